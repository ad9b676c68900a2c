package bot

import "testing"

func TestPageValue(t *testing.T) {
	v := PageValue("inactive:60", 3)
	if v != "inactive:60:3" {
		t.Errorf("PageValue = %q", v)
	}
	token, page, ok := ParsePageValue(v)
	if !ok || token != "inactive:60" || page != 3 {
		t.Errorf("ParsePageValue(%q) = %q, %d, %v", v, token, page, ok)
	}
	for _, bad := range []string{"", "nocolon", "t:", "t:x", "t:0", "t:-1", "t:+1", "t:1234567"} {
		if _, _, ok := ParsePageValue(bad); ok {
			t.Errorf("ParsePageValue(%q) accepted it", bad)
		}
	}
}
