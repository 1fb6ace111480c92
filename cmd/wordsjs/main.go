// Command wordsjs writes the app's words module (pwa/app/assets/words.js) from the server's
// words in package models. It is run by `go generate ./pwa`.
package main

import (
	"fmt"
	"os"

	"frontline/pwa"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: wordsjs FILE")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], pwa.WordsModule(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "wordsjs:", err)
		os.Exit(1)
	}
}
