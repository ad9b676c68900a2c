package emufault

import "testing"

func TestQueue(t *testing.T) {
	var q Queue[string]
	is := func(want string) func(string) bool { return func(m string) bool { return m == want || m == "*" } }
	q.Inject("token", "503 twice", 2)
	q.Inject("*", "slow always", 0)
	var got []string
	for range 4 {
		f, ok := q.Take(is("token"))
		if !ok {
			t.Fatal("no fault")
		}
		got = append(got, f)
	}
	want := []string{"503 twice", "503 twice", "slow always", "slow always"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("faults met %q, want %q", got, want)
		}
	}
	q.Clear()
	if f, ok := q.Take(is("token")); ok {
		t.Errorf("after Clear: %q", f)
	}
}
