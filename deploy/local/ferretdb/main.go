// Command ferretdb runs an embedded FerretDB v1 (MongoDB wire protocol) on SQLite storage for
// local development and tests. Built and started by deploy/local/up.sh; stops on SIGTERM/SIGINT.
//
// We wrap the embeddable package instead of `go install .../cmd/ferretdb`, whose binary panics
// at start without the generated build/version/version.txt (FerretDB issue 2982).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	listen := flag.String("listen-addr", envOr("FERRETDB_LISTEN_ADDR", "127.0.0.1:27117"), "TCP listen address (env FERRETDB_LISTEN_ADDR)")
	dir := flag.String("sqlite-dir", envOr("FERRETDB_SQLITE_DIR", "data"), "SQLite data directory, created if missing (env FERRETDB_SQLITE_DIR)")
	level := flag.String("log-level", envOr("FERRETDB_LOG_LEVEL", "warn"),
		"FerretDB's own log level: debug, info (one line per connection), warn (failed commands), error (env FERRETDB_LOG_LEVEL)")
	flag.Parse()

	// Our start/stop lines always show; FerretDB's logger follows -log-level.
	self := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		self.Error("bad -log-level", "error", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	if err := run(self, logger, *listen, *dir); err != nil {
		self.Error("ferretdb failed", "error", err)
		os.Exit(1)
	}
}

func run(self, logger *slog.Logger, listen, dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err = os.MkdirAll(abs, 0o755); err != nil {
		return err
	}
	// The SQLite backend wants a "file:" URI naming an existing directory, ending with "/".
	sqliteURL := (&url.URL{Scheme: "file", Opaque: strings.TrimSuffix(filepath.ToSlash(abs), "/") + "/"}).String()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return fmt.Errorf("new: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	self.Info("ferretdb running", "listen", listen, "sqlite", sqliteURL, "pid", os.Getpid())
	err = f.Run(ctx) // returns once ctx is cancelled and listeners/backend are closed
	self.Info("ferretdb stopped")
	return err
}
