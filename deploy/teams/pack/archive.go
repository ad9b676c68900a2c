package main

import (
	"archive/zip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// appPackage is what goes into the zip, in order: the filled-in manifest,
// then the colour and outline icons, all at the root.
type appPackage struct {
	files []packageFile
}

type packageFile struct {
	name string
	data []byte
}

// build reads the template and icons from dir, fills the template in and
// checks everything. It returns every problem found, one line each.
func build(dir string, in inputs) (*appPackage, []string) {
	template, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %v (is -dir %s the directory holding it?)", manifestFile, pathError(err), dir)}
	}
	filled, err := render(template, in)
	if err != nil {
		return nil, []string{err.Error()}
	}
	m, err := parseManifest(filled)
	if err != nil {
		return nil, []string{err.Error()}
	}
	problems := m.check(in)

	pkg := &appPackage{files: []packageFile{{name: manifestFile, data: filled}}}
	icons := []struct {
		field, name string
		check       func(field string, b []byte) string
	}{
		{"icons.color", m.Icons.Color, checkColorIcon},
		{"icons.outline", m.Icons.Outline, checkOutlineIcon},
	}
	for _, icon := range icons {
		if icon.name == "" || filepath.Base(icon.name) != icon.name {
			continue // already reported by check
		}
		field := fmt.Sprintf("%s: %s: %s", manifestFile, icon.field, icon.name)
		b, err := os.ReadFile(filepath.Join(dir, icon.name))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v; redraw the icons with go run ./deploy/teams/pack -icons", field, pathError(err)))
			continue
		}
		if p := icon.check(field, b); p != "" {
			problems = append(problems, p)
			continue
		}
		pkg.files = append(pkg.files, packageFile{name: icon.name, data: b})
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return pkg, nil
}

// pathError keeps a file error's reason without repeating its path.
func pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// packageTime is every entry's modification time, so the same inputs give
// the same zip byte for byte.
var packageTime = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// write writes the zip to a temporary file beside out and renames it into
// place, so a failed run leaves no half-written package to upload.
func (p *appPackage) write(out string) error {
	dir := filepath.Dir(out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return pathError(err)
	}
	tmp, err := os.CreateTemp(dir, ".seatwarden-teams-*.zip")
	if err != nil {
		return pathError(err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	zw := zip.NewWriter(tmp)
	for _, f := range p.files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: packageTime})
		if err != nil {
			tmp.Close()
			return err
		}
		if _, err := w.Write(f.data); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
