package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
)

// The icon files and the sizes Teams requires of them.
const (
	colorIconFile   = "color.png"
	outlineIconFile = "outline.png"
	colorIconSize   = 192
	outlineIconSize = 32
)

var (
	accent = color.NRGBA{R: 0x1D, G: 0x3B, B: 0x53, A: 0xFF} // accentColor, and Slack's background
	amber  = color.NRGBA{R: 0xF2, G: 0xB1, B: 0x34, A: 0xFF}
)

// A glyph answers whether a point of its unit square (0..1 both ways, y
// downwards) is inside it.
type glyph func(x, y float64) bool

// shield is a flat-topped shield whose sides curve in to a point at the
// bottom of the square.
func shield(x, y float64) bool {
	if y < 0 || y > 1 || x < 0 || x > 1 {
		return false
	}
	halfWidth := 1.0
	if y > 0.5 {
		t := (y - 0.5) / 0.5
		halfWidth = 1 - t*t
	}
	u := (x - 0.5) / 0.5
	return u >= -halfWidth && u <= halfWidth
}

// seat is a chair seen from the front: backrest, seat and two legs, in the
// shield's unit square, with bars thick enough to survive 32 pixels.
func seat(x, y float64) bool {
	in := func(x0, y0, x1, y1 float64) bool { return x >= x0 && x < x1 && y >= y0 && y < y1 }
	return in(0.33, 0.16, 0.67, 0.46) || // backrest
		in(0.33, 0.46, 0.40, 0.53) || in(0.60, 0.46, 0.67, 0.53) || // its posts
		in(0.25, 0.53, 0.75, 0.63) || // seat
		in(0.29, 0.63, 0.38, 0.80) || // left leg
		in(0.62, 0.63, 0.71, 0.80) // right leg
}

// coverage is the share of pixel (px, py) that g covers when g's unit
// square is drawn over the pixel rectangle box, sampled 4×4 per pixel so
// edges are smooth.
func coverage(g glyph, box image.Rectangle, px, py int) float64 {
	const n = 4
	hits := 0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			sx := float64(px) + (float64(i)+0.5)/n
			sy := float64(py) + (float64(j)+0.5)/n
			x := (sx - float64(box.Min.X)) / float64(box.Dx())
			y := (sy - float64(box.Min.Y)) / float64(box.Dy())
			if g(x, y) {
				hits++
			}
		}
	}
	return float64(hits) / (n * n)
}

func blend(under, over color.NRGBA, share float64) color.NRGBA {
	mix := func(a, b uint8) uint8 { return uint8(float64(a)*(1-share) + float64(b)*share + 0.5) }
	return color.NRGBA{R: mix(under.R, over.R), G: mix(under.G, over.G), B: mix(under.B, over.B), A: 0xFF}
}

// drawColor is the full-colour icon: an amber shield holding a seat on the
// accent colour, filling the square as Teams shows it.
func drawColor() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, colorIconSize, colorIconSize))
	box := image.Rect(38, 26, 154, 170)
	for py := 0; py < colorIconSize; py++ {
		for px := 0; px < colorIconSize; px++ {
			c := blend(accent, amber, coverage(shield, box, px, py))
			c = blend(c, accent, coverage(func(x, y float64) bool { return shield(x, y) && seat(x, y) }, box, px, py))
			img.SetNRGBA(px, py, c)
		}
	}
	return img
}

// drawOutline is the monochrome icon: a white shield with the seat cut out,
// on transparent, reaching the edges (Teams adds its own padding).
func drawOutline() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, outlineIconSize, outlineIconSize))
	box := img.Bounds()
	for py := 0; py < outlineIconSize; py++ {
		for px := 0; px < outlineIconSize; px++ {
			share := coverage(func(x, y float64) bool { return shield(x, y) && !seat(x, y) }, box, px, py)
			img.SetNRGBA(px, py, color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: uint8(share*0xFF + 0.5)})
		}
	}
	return img
}

// writeIcons redraws both icons into dir.
func writeIcons(dir string) error {
	for name, img := range map[string]image.Image{colorIconFile: drawColor(), outlineIconFile: drawOutline()} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// checkColorIcon returns what keeps b from being the colour icon, or "".
func checkColorIcon(field string, b []byte) string {
	img, err := decodePNG(b)
	if err != nil {
		return fmt.Sprintf("%s: %v", field, err)
	}
	if s := img.Bounds().Size(); s.X != colorIconSize || s.Y != colorIconSize {
		return fmt.Sprintf("%s: is %d×%d pixels, Teams wants %d×%d; redraw it with go run ./deploy/teams/pack -icons", field, s.X, s.Y, colorIconSize, colorIconSize)
	}
	return ""
}

// checkOutlineIcon returns what keeps b from being the outline icon, or "":
// 32×32, white on transparent, and drawn to the edges.
func checkOutlineIcon(field string, b []byte) string {
	img, err := decodePNG(b)
	if err != nil {
		return fmt.Sprintf("%s: %v", field, err)
	}
	r := img.Bounds()
	if s := r.Size(); s.X != outlineIconSize || s.Y != outlineIconSize {
		return fmt.Sprintf("%s: is %d×%d pixels, Teams wants %d×%d; redraw it with go run ./deploy/teams/pack -icons", field, s.X, s.Y, outlineIconSize, outlineIconSize)
	}
	transparent := 0
	drawn := image.Rectangle{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if c.A == 0 {
				transparent++
				continue
			}
			drawn = drawn.Union(image.Rect(x, y, x+1, y+1))
			// Faint edge pixels lose precision when unpremultiplied.
			if c.A >= 0x20 && (c.R < 0xF0 || c.G < 0xF0 || c.B < 0xF0) {
				return fmt.Sprintf("%s: pixel (%d,%d) is #%02X%02X%02X; the outline icon is white on transparent only", field, x, y, c.R, c.G, c.B)
			}
		}
	}
	switch {
	case transparent == 0:
		return fmt.Sprintf("%s: has no transparent pixel; the outline icon is white on a transparent background", field)
	case drawn.Empty():
		return fmt.Sprintf("%s: is fully transparent; draw the glyph in white", field)
	case drawn.Dx() < r.Dx() && drawn.Dy() < r.Dy():
		return fmt.Sprintf("%s: the glyph spans %d×%d of %d×%d pixels; the outline icon has no padding, the glyph reaches the edges", field, drawn.Dx(), drawn.Dy(), r.Dx(), r.Dy())
	}
	return ""
}

func decodePNG(b []byte) (image.Image, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("is not a PNG image (%v)", err)
	}
	return img, nil
}
