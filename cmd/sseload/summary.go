package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// summarizeMain prints the median of each figure over several runs' JSON files.
func summarizeMain(files []string) int {
	var runs []result
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sseload:", err)
			return 1
		}
		var r result
		if err := json.Unmarshal(b, &r); err != nil {
			fmt.Fprintf(os.Stderr, "sseload: %s: %v\n", f, err)
			return 1
		}
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		fmt.Fprintln(os.Stderr, "sseload: no runs to summarize")
		return 2
	}
	med := func(get func(r result) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = get(r)
		}
		sort.Float64s(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	back := 0
	for _, r := range runs {
		if r.Leak.Back {
			back++
		}
	}
	fmt.Printf("median of %d run(s) %q: %.0f streams open (%.0f failed)\n", len(runs), runs[0].Label, med(func(r result) float64 { return float64(r.Opened) }), med(func(r result) float64 { return float64(r.Failed) }))
	if len(runs[0].RSSBeforeKB) > 0 {
		fmt.Printf("  server RSS per stream: %.1f KB (Go heap in use per stream: %.1f KB)\n", med(func(r result) float64 { return r.RSSPerConnKB }), med(func(r result) float64 { return r.HeapPerConnKB }))
	}
	fmt.Printf("  per-user event, POST → read: p50 %.1f ms, p99 %.1f ms\n", med(func(r result) float64 { return r.User.P50 }), med(func(r result) float64 { return r.User.P99 }))
	fmt.Printf("  announcement to all, POST → read: p50 %.1f ms, p99 %.1f ms\n", med(func(r result) float64 { return r.All.P50 }), med(func(r result) float64 { return r.All.P99 }))
	fmt.Printf("  back to baseline after disconnect: %d of %d runs\n", back, len(runs))
	return 0
}

// mkdbMain creates an empty database on the MySQL/MariaDB server of -dsn and prints a DSN for
// it, so a load run starts from nothing.
func mkdbMain(args []string) int {
	fs := flag.NewFlagSet("mkdb", flag.ContinueOnError)
	dsn := fs.String("dsn", "", "a DSN of a user who may create databases")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := mysqldriver.ParseDSN(*dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sseload mkdb:", err)
		return 2
	}
	if cfg.Net == "tcp" {
		host := cfg.Addr
		if h, _, ok := cutLast(host, ':'); ok {
			host = h
		}
		if err := loopbackOnly(host); err != nil {
			fmt.Fprintln(os.Stderr, "sseload mkdb:", err)
			return 2
		}
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "sseload_" + hex.EncodeToString(b)
	admin := cfg.Clone()
	admin.DBName = ""
	db, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		fmt.Fprintln(os.Stderr, "sseload mkdb:", err)
		return 1
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		fmt.Fprintln(os.Stderr, "sseload mkdb:", err)
		return 1
	}
	cfg.DBName = name
	cfg.ParseTime = true
	fmt.Println(cfg.FormatDSN())
	return 0
}

func cutLast(s string, sep byte) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
