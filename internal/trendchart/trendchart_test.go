package trendchart_test

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/internal/trendchart"
)

// A trend is a PNG of the chart's size, small enough for a chat message;
// what cannot be a trend is refused with why.
func TestPNG(t *testing.T) {
	weeks := []string{"W45", "W46", "W47", "W48"}
	data, err := trendchart.PNG("Security posture", weeks, []trendchart.Series{
		{Name: "standing admins", Values: []float64{5, 4, 4, 2}},
		{Name: "without 2FA", Values: []float64{3, 3, 1, 0}},
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dx() > 1024 || b.Dy() < 200 || b.Dy() > 1024 {
		t.Errorf("picture is %v; Teams shows at most 1024 × 1024", b)
	}
	if len(data) > 200<<10 {
		t.Errorf("picture is %d KB", len(data)>>10)
	}

	for name, tt := range map[string]struct {
		weeks  []string
		series []trendchart.Series
		want   string
	}{
		"one week":  {weeks[:1], []trendchart.Series{{Name: "a", Values: []float64{1}}}, "two weeks or more"},
		"no series": {weeks, nil, "1 to 5 series"},
		"ragged":    {weeks, []trendchart.Series{{Name: "a", Values: []float64{1, 2}}}, "a has 2 values for 4 weeks"},
	} {
		if _, err := trendchart.PNG("x", tt.weeks, tt.series); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", name, err, tt.want)
		}
	}
}

// The weekly picture: eight weeks, five lines.
func BenchmarkPNG(b *testing.B) {
	weeks := []string{"2 Nov", "9 Nov", "16 Nov", "23 Nov", "30 Nov", "7 Dec", "14 Dec", "21 Dec"}
	series := []trendchart.Series{
		{Name: "standing admins", Values: []float64{5, 4, 4, 2, 2, 2, 1, 1}},
		{Name: "privileged without 2FA", Values: []float64{3, 3, 1, 0, 0, 1, 1, 0}},
		{Name: "inactive paid seats", Values: []float64{12, 10, 9, 9, 7, 6, 6, 4}},
		{Name: "API tokens", Values: []float64{6, 6, 5, 5, 4, 4, 3, 3}},
		{Name: "leavers holding seats", Values: []float64{2, 1, 1, 0, 0, 0, 1, 0}},
	}
	var size int
	for b.Loop() {
		data, err := trendchart.PNG("Security posture, the last 8 weeks", weeks, series)
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size)/1024, "KB/picture")
}
