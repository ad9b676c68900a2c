// Package trendchart draws the small picture a weekly digest carries: a
// few counts over the last weeks, one line each, as a PNG small enough
// for a chat message.
package trendchart

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one count over the weeks, oldest first.
type Series struct {
	Name   string
	Values []float64
}

// Size of the picture: wide and low, as chat clients show images.
const (
	width  = 7 * vg.Inch
	height = 3 * vg.Inch
)

// palette tells the lines apart in colour and, for colour-blind readers,
// by dash.
var palette = []struct {
	color  color.Color
	dashes []vg.Length
}{
	{color.RGBA{R: 0xd3, G: 0x2f, B: 0x2f, A: 0xff}, nil},
	{color.RGBA{R: 0x19, G: 0x76, B: 0xd2, A: 0xff}, []vg.Length{vg.Points(6), vg.Points(3)}},
	{color.RGBA{R: 0xf5, G: 0x7c, B: 0x00, A: 0xff}, []vg.Length{vg.Points(2), vg.Points(2)}},
	{color.RGBA{R: 0x38, G: 0x8e, B: 0x3c, A: 0xff}, []vg.Length{vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}},
	{color.RGBA{R: 0x6a, G: 0x1b, B: 0x9a, A: 0xff}, []vg.Length{vg.Points(1), vg.Points(3)}},
}

// PNG draws series against weeks (one label per week, oldest first). It
// needs at least two weeks, every series as long as weeks, and at most as
// many series as it has line styles.
func PNG(title string, weeks []string, series []Series) ([]byte, error) {
	switch {
	case len(weeks) < 2:
		return nil, errors.New("trendchart: a trend needs two weeks or more")
	case len(series) == 0 || len(series) > len(palette):
		return nil, fmt.Errorf("trendchart: 1 to %d series, got %d", len(palette), len(series))
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Min = 0
	p.Y.Label.Text = "count"
	p.Legend.Top = true
	p.Legend.Padding = vg.Points(2)
	p.NominalX(weeks...)
	p.Add(plotter.NewGrid())
	highest := 0.0
	for i, s := range series {
		for _, v := range s.Values {
			highest = max(highest, v)
		}
		if len(s.Values) != len(weeks) {
			return nil, fmt.Errorf("trendchart: %s has %d values for %d weeks", s.Name, len(s.Values), len(weeks))
		}
		pts := make(plotter.XYs, len(s.Values))
		for w, v := range s.Values {
			pts[w].X, pts[w].Y = float64(w), v
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("trendchart: %s: %w", s.Name, err)
		}
		style := palette[i]
		line.Color, line.Width, line.Dashes = style.color, vg.Points(2), style.dashes
		points.Color, points.Shape, points.Radius = style.color, draw.CircleGlyph{}, vg.Points(2.5)
		p.Add(line, points)
		p.Legend.Add(s.Name, line, points)
	}
	// Headroom above the highest line for the legend, so it covers none.
	p.Y.Max = highest*(1+0.14*float64(len(series))) + 1
	w, err := p.WriterTo(width, height, "png")
	if err != nil {
		return nil, fmt.Errorf("trendchart: %w", err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("trendchart: %w", err)
	}
	return buf.Bytes(), nil
}
