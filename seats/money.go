package seats

import (
	"math"
	"strconv"
	"strings"
)

var currencySymbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}

// Money renders a monthly amount for people: "$4,370", "€1,234.50",
// "12,000 SEK". Whole amounts drop the cents.
func Money(amount float64, currency string) string {
	neg := amount < 0
	amount = math.Abs(amount)
	cents := int64(math.Round(amount * 100))
	whole, frac := cents/100, cents%100

	digits := strconv.FormatInt(whole, 10)
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != 0 {
		b.WriteString("." + strconv.FormatInt(100+frac, 10)[1:])
	}
	num := b.String()
	if neg {
		num = "-" + num
	}
	if sym, ok := currencySymbols[strings.ToUpper(currency)]; ok {
		if neg {
			return "-" + sym + num[1:]
		}
		return sym + num
	}
	if currency == "" {
		return num
	}
	return num + " " + strings.ToUpper(currency)
}
