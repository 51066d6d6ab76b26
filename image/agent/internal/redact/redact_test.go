package redact

import "testing"

func TestRedactsEverySecretAndTheLongestFirst(t *testing.T) {
	r := New("Pa55/w+rd=", "Pa55", "")
	got := r.String("sqlpackage /SourcePassword:Pa55/w+rd= and Pa55")
	want := "sqlpackage /SourcePassword:[redacted] and [redacted]"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestIgnoresValuesTooShortToBeSecrets(t *testing.T) {
	if got := New("a").String("a backup"); got != "a backup" {
		t.Fatalf("got %q", got)
	}
	var nilRedactor *Redactor
	if nilRedactor.String("x") != "x" {
		t.Fatal("a nil Redactor must pass text through")
	}
}
