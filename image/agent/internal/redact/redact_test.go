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

func TestRedactsSecretsOfAnyLengthEvenOneCharacter(t *testing.T) {
	if got := New("x7").String("/SourcePassword:x7 done"); got != "/SourcePassword:[redacted] done" {
		t.Fatalf("got %q", got)
	}
	if got := New("q").String("q"); got != "[redacted]" {
		t.Fatalf("got %q", got)
	}
	if New("abc", "abcdefgh").Longest() != 8 {
		t.Fatal("Longest is the longest secret's length")
	}
	var nilRedactor *Redactor
	if nilRedactor.String("x") != "x" {
		t.Fatal("a nil Redactor must pass text through")
	}
}
