// Package pwa serves Frontline's installable field app from files embedded in the binary.
//
// There is no build step. When the handler is first made, every asset gets a name that
// carries a hash of its content (app.js becomes app.3f9c2a1b.js) and every reference to
// it is rewritten: ES module import specifiers, the script and link tags of index.html,
// the icons of the manifest and the precache list of the service worker. Hashed assets are
// cached by browsers for a year; index.html, sw.js and the manifest are revalidated on
// every load, so a new binary reaches phones on their next visit. The service worker's
// cache name carries a hash of all assets: a new build is a new cache.
package pwa

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed app
var embedded embed.FS

// rootFiles keep their names: browsers find them by fixed URLs (the service worker must
// sit at the root to control the whole app, and a manifest's URL is its identity).
var rootFiles = map[string]bool{"index.html": true, "sw.js": true, "manifest.webmanifest": true}

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	// Markers in sw.js that the server fills in.
	swVersionMarker  = "const VERSION = 'dev';"
	swPrecacheMarker = "const PRECACHE = [];"
	// Where index.html wants its <link rel="modulepreload"> tags.
	preloadMarker = "<!-- modulepreload -->"
)

// contentSecurityPolicy keeps the app to its own scripts and styles. Photos may come from
// the object store's signed links on another host, so images are allowed from anywhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' blob: data: https: http:; connect-src 'self'; object-src 'none'; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"

var handler = sync.OnceValue(func() http.Handler {
	sub, err := fs.Sub(embedded, "app")
	if err != nil {
		panic(fmt.Sprintf("pwa: %v", err))
	}
	s, err := build(sub)
	if err != nil {
		// The files are fixed at compile time: this is a bug the package tests catch.
		panic(fmt.Sprintf("pwa: %v", err))
	}
	return s
})

// Handler serves the app at the root: assets by their hashed names, index.html for any
// other path that names no file (the app routes in the browser), with gzip, ETags and
// the cache headers described in the package comment. It is built once, on first use.
func Handler() http.Handler { return handler() }

// file is one servable response, prepared at start-up.
type file struct {
	body, gz    []byte
	contentType string
	etag        string // strong ETag of body; the gzip variant adds "-gz"
	cache       string
	isIndex     bool
}

// site is the prepared app: every URL path it answers and the page for everything else.
type site struct {
	files   map[string]*file
	index   *file
	version string
}

var (
	// importRe finds module specifiers: `from "x"`, `import "x"`, `import("x")`.
	importRe = regexp.MustCompile(`(\bfrom\s*|\bimport\s*\(?\s*)(["'])([^"'\n]+)(["'])`)
	// cssURLRe finds url(...) references in style sheets.
	cssURLRe = regexp.MustCompile(`url\(\s*(["']?)([^"')]+)(["']?)\s*\)`)
	// attrRe finds src and href attributes in HTML.
	attrRe = regexp.MustCompile(`\b(src|href)="([^"]+)"`)
	// moduleScriptRe finds the entry modules of index.html.
	moduleScriptRe = regexp.MustCompile(`<script[^>]*type="module"[^>]*src="([^"]+)"`)
)

// build reads the app from fsys and prepares every response.
func build(fsys fs.FS) (*site, error) {
	raw := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		raw[p] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read app: %w", err)
	}
	for name := range rootFiles {
		if raw[name] == nil {
			return nil, fmt.Errorf("app has no %s", name)
		}
	}
	b := &builder{raw: raw, hashed: map[string]string{}, final: map[string][]byte{}, visiting: map[string]bool{}}
	var assets []string
	for p := range raw {
		if !rootFiles[p] {
			assets = append(assets, p)
		}
	}
	sort.Strings(assets)
	for _, p := range assets {
		if _, err := b.hashedName(p); err != nil {
			return nil, err
		}
	}

	manifest := b.rewriteQuoted(raw["manifest.webmanifest"])
	index, err := b.rewriteIndex(raw["index.html"])
	if err != nil {
		return nil, fmt.Errorf("index.html: %w", err)
	}

	// The version covers everything the worker caches, so any change makes a new cache.
	h := sha256.New()
	for _, p := range assets {
		fmt.Fprintf(h, "%s\n", b.hashed[p])
	}
	h.Write(manifest)
	h.Write(index)
	version := hex.EncodeToString(h.Sum(nil))[:12]
	sw, err := b.rewriteWorker(raw["sw.js"], version, assets)
	if err != nil {
		return nil, fmt.Errorf("sw.js: %w", err)
	}

	s := &site{files: map[string]*file{}, version: version}
	for _, p := range assets {
		s.files["/"+b.hashed[p]] = newFile(p, b.final[p], cacheImmutable)
	}
	s.index = newFile("index.html", index, cacheRevalidate)
	s.index.isIndex = true
	s.files["/index.html"] = s.index
	s.files["/sw.js"] = newFile("sw.js", sw, cacheRevalidate)
	s.files["/manifest.webmanifest"] = newFile("manifest.webmanifest", manifest, cacheRevalidate)
	return s, nil
}

// builder names assets by content, depth first: a module's name depends on the names of
// what it imports, so a change anywhere renames every module that leads to it.
type builder struct {
	raw      map[string][]byte
	hashed   map[string]string // asset path → hashed path
	final    map[string][]byte // asset path → rewritten content
	visiting map[string]bool
}

func (b *builder) hashedName(p string) (string, error) {
	if h, ok := b.hashed[p]; ok {
		return h, nil
	}
	if b.visiting[p] {
		return "", fmt.Errorf("import cycle through %s: hashed names need an acyclic module graph", p)
	}
	b.visiting[p] = true
	defer delete(b.visiting, p)

	content := b.raw[p]
	var err error
	switch path.Ext(p) {
	case ".js", ".mjs":
		content, err = b.rewriteImports(p, content)
	case ".css":
		content, err = b.rewriteCSS(p, content)
	}
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(content)
	ext := path.Ext(p)
	name := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:])[:8] + ext
	b.hashed[p], b.final[p] = name, content
	return name, nil
}

// resolve turns a reference made from the file at `from` into an app path, or "" when it
// points outside the app (another origin, a data: URL, a fragment).
func resolve(from, ref string) string {
	if strings.Contains(ref, ":") || strings.HasPrefix(ref, "//") || strings.HasPrefix(ref, "#") {
		return ""
	}
	ref, _, _ = strings.Cut(ref, "#")
	ref, _, _ = strings.Cut(ref, "?")
	if strings.HasPrefix(ref, "/") {
		return strings.TrimPrefix(path.Clean(ref), "/")
	}
	if strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../") {
		return strings.TrimPrefix(path.Join(path.Dir("/"+from), ref), "/")
	}
	return ""
}

func (b *builder) rewriteImports(p string, src []byte) ([]byte, error) {
	var firstErr error
	out := importRe.ReplaceAllFunc(src, func(m []byte) []byte {
		g := importRe.FindSubmatch(m)
		target := resolve(p, string(g[3]))
		if target == "" {
			return m
		}
		if b.raw[target] == nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("%s imports %s, which is not in the app", p, g[3])
			}
			return m
		}
		name, err := b.hashedName(target)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return []byte(string(g[1]) + string(g[2]) + "/" + name + string(g[4]))
	})
	return out, firstErr
}

func (b *builder) rewriteCSS(p string, src []byte) ([]byte, error) {
	var firstErr error
	out := cssURLRe.ReplaceAllFunc(src, func(m []byte) []byte {
		g := cssURLRe.FindSubmatch(m)
		target := resolve(p, string(g[2]))
		if target == "" || b.raw[target] == nil {
			return m
		}
		name, err := b.hashedName(target)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return []byte("url(" + string(g[1]) + "/" + name + string(g[3]) + ")")
	})
	return out, firstErr
}

// rewriteQuoted replaces every quoted absolute path of an asset ("/icons/a.png").
func (b *builder) rewriteQuoted(src []byte) []byte {
	out := src
	for p, h := range b.hashed {
		for _, q := range []string{`"`, `'`} {
			out = bytes.ReplaceAll(out, []byte(q+"/"+p+q), []byte(q+"/"+h+q))
		}
	}
	return out
}

func (b *builder) rewriteIndex(src []byte) ([]byte, error) {
	var firstErr error
	out := attrRe.ReplaceAllFunc(src, func(m []byte) []byte {
		g := attrRe.FindSubmatch(m)
		target := resolve("index.html", string(g[2]))
		if target == "" || rootFiles[target] {
			return m
		}
		name, ok := b.hashed[target]
		if !ok {
			if path.Ext(target) != "" && firstErr == nil {
				firstErr = fmt.Errorf("refers to %s, which is not in the app", g[2])
			}
			return m
		}
		return []byte(string(g[1]) + `="/` + name + `"`)
	})
	if firstErr != nil {
		return nil, firstErr
	}
	if !bytes.Contains(out, []byte(preloadMarker)) {
		return out, nil
	}
	// Preload the whole static import graph of the entry modules, so the browser fetches
	// it in one round trip instead of discovering it level by level.
	seen := map[string]bool{}
	var order []string
	var walk func(p string)
	walk = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		order = append(order, p)
		for _, g := range importRe.FindAllSubmatch(b.raw[p], -1) {
			if bytes.HasSuffix(bytes.TrimSpace(g[1]), []byte("(")) {
				continue // a dynamic import is loaded when needed
			}
			if t := resolve(p, string(g[3])); t != "" && b.raw[t] != nil {
				walk(t)
			}
		}
	}
	for _, g := range moduleScriptRe.FindAllSubmatch(src, -1) {
		if t := resolve("index.html", string(g[1])); t != "" && b.raw[t] != nil {
			walk(t)
		}
	}
	var links strings.Builder
	for i, p := range order {
		if i == 0 {
			continue // the entry itself has its <script> tag
		}
		fmt.Fprintf(&links, "<link rel=\"modulepreload\" href=\"/%s\">", b.hashed[p])
	}
	return bytes.Replace(out, []byte(preloadMarker), []byte(links.String()), 1), nil
}

func (b *builder) rewriteWorker(src []byte, version string, assets []string) ([]byte, error) {
	if !bytes.Contains(src, []byte(swVersionMarker)) || !bytes.Contains(src, []byte(swPrecacheMarker)) {
		return nil, fmt.Errorf("missing %q or %q", swVersionMarker, swPrecacheMarker)
	}
	out, err := b.rewriteImports("sw.js", src)
	if err != nil {
		return nil, err
	}
	urls := []string{strconv.Quote("/"), strconv.Quote("/manifest.webmanifest")}
	for _, p := range assets {
		urls = append(urls, strconv.Quote("/"+b.hashed[p]))
	}
	out = bytes.Replace(out, []byte(swVersionMarker), []byte("const VERSION = '"+version+"';"), 1)
	out = bytes.Replace(out, []byte(swPrecacheMarker), []byte("const PRECACHE = ["+strings.Join(urls, ", ")+"];"), 1)
	return out, nil
}

var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
}

func newFile(name string, body []byte, cache string) *file {
	ct := contentTypes[path.Ext(name)]
	if ct == "" {
		ct = http.DetectContentType(body)
	}
	sum := sha256.Sum256(body)
	f := &file{body: body, contentType: ct, cache: cache, etag: `"` + hex.EncodeToString(sum[:])[:16] + `"`}
	if compressible(ct) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		if buf.Len() < len(body) {
			f.gz = buf.Bytes()
		}
	}
	return f
}

func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || strings.Contains(contentType, "json") ||
		strings.Contains(contentType, "svg")
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	f := s.files[p]
	if f == nil {
		// A path whose last segment has an extension names a file that does not exist;
		// anything else is a route of the app, answered by its page.
		if path.Ext(p) != "" || strings.HasPrefix(p, "/assets/") || strings.HasPrefix(p, "/icons/") {
			http.NotFound(w, r)
			return
		}
		f = s.index
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", f.cache)
	h.Set("X-Content-Type-Options", "nosniff")
	if f.isIndex {
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Referrer-Policy", "same-origin")
	}
	body, etag := f.body, f.etag
	if f.gz != nil {
		h.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		h.Del("Content-Type")
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: named with q > 0, or
// covered by "*" with q > 0 when not named.
func acceptsGzip(header string) bool {
	named, star := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := 1.0
		for _, param := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if name == "gzip" {
			named = q
		} else {
			star = q
		}
	}
	if named >= 0 {
		return named > 0
	}
	return star > 0
}

// etagMatches implements If-None-Match's weak comparison.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
