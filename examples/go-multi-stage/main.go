// A small HTTP service: the program both examples build.
package main

import (
	"fmt"
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from a small image")
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}
