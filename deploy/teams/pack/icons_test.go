package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The shipped icons are what the drawing code draws: change the drawing,
// then run go run ./deploy/teams/pack -icons.
func TestShippedIconsAreDrawn(t *testing.T) {
	for name, want := range map[string]*image.NRGBA{colorIconFile: drawColor(), outlineIconFile: drawOutline()} {
		b, err := os.ReadFile(filepath.Join(templateDir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Bounds() != want.Bounds() {
			t.Fatalf("%s is %v, drawn %v", name, got.Bounds(), want.Bounds())
		}
		for y := 0; y < want.Bounds().Dy(); y++ {
			for x := 0; x < want.Bounds().Dx(); x++ {
				if g, w := color.NRGBAModel.Convert(got.At(x, y)), want.NRGBAAt(x, y); g != w {
					t.Fatalf("%s pixel (%d,%d) = %v, drawn %v; redraw with go run ./deploy/teams/pack -icons", name, x, y, g, w)
				}
			}
		}
	}
}

func TestDrawnIconsPass(t *testing.T) {
	if p := checkColorIcon("color.png", encodePNG(t, drawColor())); p != "" {
		t.Error(p)
	}
	if p := checkOutlineIcon("outline.png", encodePNG(t, drawOutline())); p != "" {
		t.Error(p)
	}
}

func TestIconChecks(t *testing.T) {
	filled := func(size int, c color.NRGBA) *image.NRGBA {
		img := image.NewNRGBA(image.Rect(0, 0, size, size))
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				img.SetNRGBA(x, y, c)
			}
		}
		return img
	}
	transparent := color.NRGBA{}
	opaqueWhite := color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
	tests := []struct {
		name  string
		check func(string, []byte) string
		data  func(t *testing.T) []byte
		want  string
	}{
		{"colour icon not a PNG", checkColorIcon, func(*testing.T) []byte { return []byte("GIF89a") },
			"color.png: is not a PNG image"},
		{"colour icon too small", checkColorIcon, func(t *testing.T) []byte { return encodePNG(t, filled(96, accent)) },
			"color.png: is 96×96 pixels, Teams wants 192×192; redraw it with go run ./deploy/teams/pack -icons"},
		{"outline icon too big", checkOutlineIcon, func(t *testing.T) []byte { return encodePNG(t, drawColor()) },
			"outline.png: is 192×192 pixels, Teams wants 32×32"},
		{"outline icon without transparency", checkOutlineIcon, func(t *testing.T) []byte { return encodePNG(t, filled(32, opaqueWhite)) },
			"outline.png: has no transparent pixel; the outline icon is white on a transparent background"},
		{"outline icon without alpha channel", checkOutlineIcon, func(t *testing.T) []byte {
			img := image.NewGray(image.Rect(0, 0, 32, 32))
			return encodePNG(t, img)
		}, "outline.png: pixel (0,0) is #000000; the outline icon is white on transparent only"},
		{"outline icon in colour", checkOutlineIcon, func(t *testing.T) []byte {
			img := drawOutline()
			img.SetNRGBA(16, 3, amber)
			return encodePNG(t, img)
		}, "outline.png: pixel (16,3) is #F2B134; the outline icon is white on transparent only"},
		{"outline icon empty", checkOutlineIcon, func(t *testing.T) []byte { return encodePNG(t, filled(32, transparent)) },
			"outline.png: is fully transparent"},
		{"outline icon padded", checkOutlineIcon, func(t *testing.T) []byte {
			img := filled(32, transparent)
			for y := 4; y < 28; y++ {
				for x := 4; x < 28; x++ {
					img.SetNRGBA(x, y, opaqueWhite)
				}
			}
			return encodePNG(t, img)
		}, "outline.png: the glyph spans 24×24 of 32×32 pixels; the outline icon has no padding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "color.png"
			if strings.Contains(tt.name, "outline") {
				name = "outline.png"
			}
			got := tt.check(name, tt.data(t))
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

// A package is not written when an icon file is missing or wrong.
func TestRunChecksIconFiles(t *testing.T) {
	template, err := os.ReadFile(filepath.Join(templateDir, manifestFile))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"outline missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, outlineIconFile))
		}, "pack: manifest.json: icons.outline: outline.png: no such file or directory; redraw the icons with go run ./deploy/teams/pack -icons"},
		{"colour icon the wrong size", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, colorIconFile), encodePNG(t, drawOutline()))
		}, "pack: manifest.json: icons.color: color.png: is 32×32 pixels, Teams wants 192×192"},
		{"outline icon opaque", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, outlineIconFile), encodePNG(t, image.NewGray(image.Rect(0, 0, 32, 32))))
		}, "pack: manifest.json: icons.outline: outline.png: pixel (0,0) is #000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, manifestFile), template)
			if err := writeIcons(dir); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, dir)
			out := filepath.Join(dir, "dist", "p.zip")
			code, _, stderr := runPack(t, []string{"-dir", dir, "-out", out, "-app-id", testAppID, "-domain", testHost}, nil)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr:\n%s\nwant it to contain:\n%s", stderr, tt.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a package was written despite the error")
			}
		})
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
