// Package pwa serves Frontline's installable field app from files embedded in the binary.
//
// There is no build step and no bundler. When the handler is first made, every asset gets
// a name that carries a hash of its own content (app.js becomes app.3f9c2a1b.js) and is
// served under it, byte for byte as written. index.html carries an import map from each
// module's plain URL to its hashed one, so the browser resolves every import, relative or
// dynamic, to a hashed URL; the map is in the page, which is revalidated on every load, so
// a change to one module renames that module alone. The page also preloads the entry's
// whole static import graph, found by a small tokenizer that skips comments, strings and
// regular expressions. Hashed assets are cached for a year; index.html, sw.js and the
// manifest are revalidated on every load, so a new binary reaches phones on their next
// visit. The service worker's cache name carries a hash of all assets: a new build is a
// new cache.
package pwa

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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
	swDecoderMarker  = "const QR_DECODER = '';"
	// qrDecoder reads QR codes where the browser cannot (no BarcodeDetector for QR): the
	// worker caches it on those browsers only, not with the shell (see sw.js).
	qrDecoder = "assets/jsqr.js"
	// Where index.html wants its import map and <link rel="modulepreload"> tags: before
	// its first module script, since a page's modules resolve through the map.
	preloadMarker = "<!-- modulepreload -->"
)

// contentSecurityPolicy keeps the app to its own scripts and styles. Photos may come from
// the object store's signed links on another host, so images are allowed from anywhere.
// The one inline script, the import map, is allowed by its hash (%s).
const contentSecurityPolicy = "default-src 'self'; script-src 'self' %s; style-src 'self'; " +
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
	csp     string
	version string
}

// cssURLRe finds url(...) references in style sheets. Style sheets have no imports a
// browser could map, so their references are rewritten to hashed names.
var cssURLRe = regexp.MustCompile(`url\(\s*(["']?)([^"')]+)(["']?)\s*\)`)

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
	imports := map[string][]jsImport{}
	for _, p := range assets {
		if _, err := b.hashedName(p); err != nil {
			return nil, err
		}
		if isModule(p) {
			imports[p] = jsImports(raw[p])
		}
	}
	imports["sw.js"] = jsImports(raw["sw.js"])
	for p, list := range imports {
		for _, im := range list {
			if t := resolve(p, im.spec); t != "" && raw[t] == nil {
				return nil, fmt.Errorf("%s imports %s, which is not in the app", p, im.spec)
			}
		}
	}

	manifest := b.rewriteQuoted(raw["manifest.webmanifest"])
	index, importMap, err := b.rewriteIndex(raw["index.html"], imports)
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
	sw, err := rewriteWorker(raw["sw.js"], version, assets, b.hashed)
	if err != nil {
		return nil, fmt.Errorf("sw.js: %w", err)
	}

	mapSum := sha256.Sum256(importMap)
	s := &site{files: map[string]*file{}, version: version,
		csp: fmt.Sprintf(contentSecurityPolicy, "'sha256-"+base64.StdEncoding.EncodeToString(mapSum[:])+"'")}
	for _, p := range assets {
		s.files["/"+b.hashed[p]] = newFile(p, b.final[p], cacheImmutable)
	}
	// Workers have no import maps: the worker's modules import each other by plain URLs,
	// so those few are served under them too, revalidated like the worker itself.
	for _, p := range staticGraph([]string{"sw.js"}, imports)[1:] {
		f := *s.files["/"+b.hashed[p]]
		f.cache = cacheRevalidate
		s.files["/"+p] = &f
	}
	s.index = newFile("index.html", index, cacheRevalidate)
	s.index.isIndex = true
	s.files["/index.html"] = s.index
	s.files["/sw.js"] = newFile("sw.js", sw, cacheRevalidate)
	s.files["/manifest.webmanifest"] = newFile("manifest.webmanifest", manifest, cacheRevalidate)
	return s, nil
}

// isModule reports whether an asset is an ES module, served as written and named in the
// import map.
func isModule(p string) bool { return path.Ext(p) == ".js" || path.Ext(p) == ".mjs" }

// builder names assets by content. A module's name covers its own bytes only; a style
// sheet's covers the hashed names it refers to, so it is named after them, depth first.
type builder struct {
	raw      map[string][]byte
	hashed   map[string]string // asset path → hashed path
	final    map[string][]byte // asset path → served content
	visiting map[string]bool
}

func (b *builder) hashedName(p string) (string, error) {
	if h, ok := b.hashed[p]; ok {
		return h, nil
	}
	if b.visiting[p] {
		return "", fmt.Errorf("style sheet cycle through %s", p)
	}
	b.visiting[p] = true
	defer delete(b.visiting, p)

	content := b.raw[p]
	if path.Ext(p) == ".css" {
		var err error
		if content, err = b.rewriteCSS(p, content); err != nil {
			return "", err
		}
	}
	sum := sha256.Sum256(content)
	ext := path.Ext(p)
	name := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:])[:8] + ext
	b.hashed[p], b.final[p] = name, content
	return name, nil
}

// resolve turns a reference made from the file at `from` into an app path, or "" when it
// points outside the app (another origin, a data: URL, a fragment, a bare module name).
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

// rewriteIndex points the page's links and scripts at hashed names and puts the import
// map and the preload links at the marker. It returns the page and the map's text.
func (b *builder) rewriteIndex(src []byte, imports map[string][]jsImport) (page, importMap []byte, err error) {
	if !bytes.Contains(src, []byte(preloadMarker)) {
		return nil, nil, fmt.Errorf("missing %q", preloadMarker)
	}
	m := map[string]string{}
	var entries []string
	for p, h := range b.hashed {
		if !isModule(p) {
			continue
		}
		m["/"+p] = "/" + h
		if bytes.Contains(src, []byte(`src="/`+p+`"`)) {
			entries = append(entries, p)
		}
	}
	sort.Strings(entries)
	importMap, err = json.Marshal(map[string]any{"imports": m})
	if err != nil {
		return nil, nil, err
	}
	var head strings.Builder
	head.WriteString(`<script type="importmap">` + string(importMap) + `</script>`)
	// Preload the entries' whole static import graph, so a slow phone fetches it in one
	// round trip instead of discovering it one level of imports at a time (Lighthouse's
	// mobile run: LCP 3.7 s without the links, 3.4 s with them).
	for _, p := range staticGraph(entries, imports)[len(entries):] {
		fmt.Fprintf(&head, "\n<link rel=\"modulepreload\" href=\"/%s\">", b.hashed[p])
	}
	page = bytes.Replace(b.rewriteQuoted(src), []byte(preloadMarker), []byte(head.String()), 1)
	return page, importMap, nil
}

// staticGraph lists the roots and then every file their static imports reach, breadth
// first; dynamic imports are left to load when they are needed.
func staticGraph(roots []string, imports map[string][]jsImport) []string {
	order := append([]string(nil), roots...)
	seen := map[string]bool{}
	for _, r := range roots {
		seen[r] = true
	}
	for i := 0; i < len(order); i++ {
		for _, im := range imports[order[i]] {
			t := resolve(order[i], im.spec)
			if _, ok := imports[t]; ok && !im.dynamic && !seen[t] {
				seen[t] = true
				order = append(order, t)
			}
		}
	}
	return order
}

func rewriteWorker(src []byte, version string, assets []string, hashed map[string]string) ([]byte, error) {
	if !bytes.Contains(src, []byte(swVersionMarker)) || !bytes.Contains(src, []byte(swPrecacheMarker)) {
		return nil, fmt.Errorf("missing %q or %q", swVersionMarker, swPrecacheMarker)
	}
	urls := []string{strconv.Quote("/"), strconv.Quote("/manifest.webmanifest")}
	for _, p := range assets {
		if p != qrDecoder {
			urls = append(urls, strconv.Quote("/"+hashed[p]))
		}
	}
	out := bytes.Replace(src, []byte(swVersionMarker), []byte("const VERSION = '"+version+"';"), 1)
	if d, ok := hashed[qrDecoder]; ok {
		if !bytes.Contains(src, []byte(swDecoderMarker)) {
			return nil, fmt.Errorf("missing %q", swDecoderMarker)
		}
		out = bytes.Replace(out, []byte(swDecoderMarker), []byte("const QR_DECODER = '/"+d+"';"), 1)
	}
	out = bytes.Replace(out, []byte(swPrecacheMarker), []byte("const PRECACHE = ["+strings.Join(urls, ", ")+"];"), 1)
	return out, nil
}

// jsImport is one module specifier a script names.
type jsImport struct {
	spec    string
	dynamic bool // import("x"), loaded when the code runs
}

// jsImports lists the specifiers src imports: statically (import … from "x", import "x",
// export … from "x") and dynamically with a literal argument (import("x")). It reads the
// tokens of jsTokens, so an import written in a comment, a string, a template or a
// regular expression is never taken for one.
func jsImports(src []byte) []jsImport {
	toks := jsTokens(src)
	at := func(i int) jsToken {
		if i < len(toks) {
			return toks[i]
		}
		return jsToken{}
	}
	var out []jsImport
	for i, t := range toks {
		if t.kind != 'w' || (i > 0 && at(i-1).is('.')) {
			continue // not a keyword, or a property such as x.import
		}
		switch {
		case t.text == "import" && at(i+1).is('('):
			if at(i+2).kind == '"' && (at(i+3).is(')') || at(i+3).is(',')) {
				out = append(out, jsImport{spec: at(i + 2).text, dynamic: true})
			}
		case t.text == "import" && at(i+1).kind == '"':
			out = append(out, jsImport{spec: at(i + 1).text})
		case t.text == "import" && !at(i+1).is('.'), t.text == "export" && (at(i+1).is('*') || at(i+1).is('{')):
			if spec, ok := fromClause(toks[i+1:]); ok {
				out = append(out, jsImport{spec: spec})
			}
		}
	}
	return out
}

// fromClause reads the bindings of an import or export (x, * as ns, { a as b }) up to
// `from "spec"`.
func fromClause(toks []jsToken) (string, bool) {
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.is('{'):
			for i < len(toks) && !toks[i].is('}') {
				i++
			}
		case t.kind == 'w' && t.text == "from" && i+1 < len(toks) && toks[i+1].kind == '"':
			return toks[i+1].text, true
		case t.kind == 'w' || t.is('*') || t.is(','):
		default:
			return "", false
		}
	}
	return "", false
}

// jsToken is a token of JavaScript, as far as finding imports needs: a word (a name,
// keyword or number), a string, a punctuator, or another literal (template, regular
// expression) whose text does not matter.
type jsToken struct {
	kind byte // 'w' word, '"' string (text is its contents), 'p' punctuator, 'l' other literal
	text string
}

func (t jsToken) is(punct byte) bool { return t.kind == 'p' && t.text[0] == punct }

// regexAfter are the keywords after which a slash begins a regular expression.
var regexAfter = map[string]bool{"return": true, "typeof": true, "instanceof": true, "in": true,
	"of": true, "new": true, "delete": true, "void": true, "throw": true, "case": true, "do": true,
	"else": true, "yield": true, "await": true}

// jsTokens splits src into tokens, dropping comments and white space. A slash starts a
// regular expression where a value may begin (after a punctuator other than ) ] } or a
// keyword of regexAfter), as a parser would decide it for any ordinary script.
func jsTokens(src []byte) []jsToken {
	var toks []jsToken
	var subst []int // brace depth at each open ${ of a template
	depth := 0
	for i := 0; i < len(src); {
		c := src[i]
		next := byte(0)
		if i+1 < len(src) {
			next = src[i+1]
		}
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && next == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && next == '*':
			if end := bytes.Index(src[i+2:], []byte("*/")); end >= 0 {
				i += 2 + end + 2
			} else {
				i = len(src)
			}
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(src) && src[j] != c && src[j] != '\n' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			toks = append(toks, jsToken{'"', string(src[i+1 : min(j, len(src))])})
			i = j + 1
		case c == '`' || (c == '}' && len(subst) > 0 && subst[len(subst)-1] == depth):
			if c == '}' {
				subst = subst[:len(subst)-1]
			}
			j := i + 1
			for j < len(src) && src[j] != '`' && !(src[j] == '$' && j+1 < len(src) && src[j+1] == '{') {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j < len(src) && src[j] == '$' {
				subst = append(subst, depth)
				j++
			}
			toks = append(toks, jsToken{'l', ""})
			i = j + 1
		case c == '/' && regexAllowed(toks):
			j, class := i+1, false
			for j < len(src) && src[j] != '\n' && (src[j] != '/' || class) {
				switch src[j] {
				case '\\':
					j++
				case '[':
					class = true
				case ']':
					class = false
				}
				j++
			}
			toks = append(toks, jsToken{'l', ""})
			i = j + 1
		case isWordByte(c):
			j := i
			for j < len(src) && isWordByte(src[j]) {
				j++
			}
			toks = append(toks, jsToken{'w', string(src[i:j])})
			i = j
		default:
			if c == '{' {
				depth++
			} else if c == '}' {
				depth--
			}
			toks = append(toks, jsToken{'p', string(c)})
			i++
		}
	}
	return toks
}

func regexAllowed(toks []jsToken) bool {
	if len(toks) == 0 {
		return true
	}
	switch t := toks[len(toks)-1]; t.kind {
	case 'w':
		return regexAfter[t.text]
	case 'p':
		return !t.is(')') && !t.is(']') && !t.is('}')
	}
	return false
}

// isWordByte reports whether c may be part of a name or number; every byte of a non-ASCII
// character counts, since such characters only appear in names, strings and comments.
func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
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
		h.Set("Content-Security-Policy", s.csp)
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
