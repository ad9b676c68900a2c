package seats

import "testing"

func TestMoney(t *testing.T) {
	tests := []struct {
		amount   float64
		currency string
		want     string
	}{
		{0, "USD", "$0"},
		{115, "USD", "$115"},
		{4370, "USD", "$4,370"},
		{1234567.5, "EUR", "€1,234,567.50"},
		{99.999, "GBP", "£100"},
		{55.05, "usd", "$55.05"},
		{12000, "SEK", "12,000 SEK"},
		{-230, "USD", "-$230"},
		{1000, "", "1,000"},
	}
	for _, tt := range tests {
		if got := Money(tt.amount, tt.currency); got != tt.want {
			t.Errorf("Money(%v, %q) = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
}
