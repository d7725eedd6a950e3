package main

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	log "github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

func main() {
	cmd := &cobra.Command{Use: "svc", Run: func(*cobra.Command, []string) {
		r := mux.NewRouter()
		r.Handle("/metrics", promhttp.Handler())
		log.Info("listening")
		log.Fatal(http.ListenAndServe(":8080", r))
	}}
	cmd.Execute()
}
