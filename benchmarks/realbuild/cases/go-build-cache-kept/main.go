package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"hello": "world"})
	})
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		_ = http.ListenAndServe(":8080", mux)
		return
	}
	fmt.Println("hello")
}
