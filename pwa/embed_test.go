package pwa

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var (
	scriptSrcRe = regexp.MustCompile(`<script type="module" src="(/assets/app\.[0-9a-f]{8}\.js)"></script>`)
	cssHrefRe   = regexp.MustCompile(`<link rel="stylesheet" href="(/assets/app\.[0-9a-f]{8}\.css)">`)
	hashedRe    = regexp.MustCompile(`^/(assets|icons)/[\w/-]+\.[0-9a-f]{8}\.\w+$`)
	importMapRe = regexp.MustCompile(`<script type="importmap">(.*?)</script>`)
)

func TestHandler(t *testing.T) {
	h := Handler()
	index := get(t, h, "/").Body.String()

	t.Run("RootFilesRevalidate", func(t *testing.T) {
		for path, ct := range map[string]string{
			"/":                     "text/html; charset=utf-8",
			"/index.html":           "text/html; charset=utf-8",
			"/sw.js":                "text/javascript; charset=utf-8",
			"/manifest.webmanifest": "application/manifest+json",
		} {
			rec := get(t, h, path)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: status %d", path, rec.Code)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
				t.Errorf("%s: Cache-Control %q, want no-cache", path, got)
			}
			if got := rec.Header().Get("Content-Type"); got != ct {
				t.Errorf("%s: Content-Type %q, want %q", path, got, ct)
			}
		}
		if csp := get(t, h, "/").Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("index has no script-src policy: %q", csp)
		}
	})

	t.Run("IndexRefersToHashedAssets", func(t *testing.T) {
		m := scriptSrcRe.FindStringSubmatch(index)
		if m == nil {
			t.Fatalf("no hashed entry script in index.html:\n%s", index)
		}
		if cssHrefRe.FindStringSubmatch(index) == nil {
			t.Fatalf("no hashed style sheet in index.html")
		}
		// The import map names "/assets/app.js" as a key; a tag must not.
		if strings.Contains(index, `="/assets/app.js"`) || strings.Contains(index, "<!-- modulepreload -->") {
			t.Errorf("index.html keeps an unrewritten reference or marker")
		}
		if !strings.Contains(index, `rel="modulepreload"`) {
			t.Errorf("index.html has no modulepreload links")
		}
		rec := get(t, h, m[1])
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", m[1], rec.Code)
		}
		if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", m[1], got)
		}
		if got := rec.Header().Get("Content-Type"); got != "text/javascript; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", m[1], got)
		}
		if rec := get(t, h, "/assets/app.js"); rec.Code != http.StatusNotFound {
			t.Errorf("unhashed /assets/app.js: status %d, want 404", rec.Code)
		}
	})

	importMap := func(t *testing.T) map[string]string {
		t.Helper()
		m := importMapRe.FindStringSubmatch(index)
		if m == nil {
			t.Fatalf("no import map in index.html:\n%s", index)
		}
		var im struct{ Imports map[string]string }
		if err := json.Unmarshal([]byte(m[1]), &im); err != nil {
			t.Fatalf("import map: %v", err)
		}
		return im.Imports
	}

	t.Run("EveryModuleIsReachableThroughTheMap", func(t *testing.T) {
		imports := importMap(t)
		modules := 0
		err := fs.WalkDir(embedded, "app/assets", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
				return err
			}
			modules++
			plain := strings.TrimPrefix(p, "app")
			hashed := imports[plain]
			if !hashedRe.MatchString(hashed) {
				t.Errorf("%s maps to %q, not a hashed path", plain, hashed)
				return nil
			}
			rec := get(t, h, hashed)
			src, _ := fs.ReadFile(embedded, p)
			if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), src) {
				t.Errorf("%s (%s): status %d, served as written %v", plain, hashed, rec.Code, bytes.Equal(rec.Body.Bytes(), src))
			}
			if rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Errorf("%s: Cache-Control %q", hashed, rec.Header().Get("Cache-Control"))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if modules < 5 || len(imports) != modules {
			t.Fatalf("%d modules in the app, %d in the map", modules, len(imports))
		}
	})

	t.Run("EveryImportResolvesThroughTheMap", func(t *testing.T) {
		imports := importMap(t)
		plainOf := map[string]string{}
		for plain, hashed := range imports {
			plainOf[hashed] = plain
		}
		for hashed, plain := range plainOf {
			for _, im := range jsImports(get(t, h, hashed).Body.Bytes()) {
				u, err := url.Parse("http://app" + plain)
				if err != nil {
					t.Fatal(err)
				}
				target := imports[u.JoinPath("..", im.spec).Path]
				if strings.HasPrefix(im.spec, "/") {
					target = imports[im.spec]
				}
				if target == "" || get(t, h, target).Code != http.StatusOK {
					t.Errorf("%s imports %q, which the map does not lead to a served module", plain, im.spec)
				}
			}
		}
	})

	t.Run("ImportMapHashIsInThePolicy", func(t *testing.T) {
		m := importMapRe.FindStringSubmatch(index)
		if m == nil {
			t.Fatal("no import map")
		}
		sum := sha256.Sum256([]byte(m[1]))
		want := "script-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "';"
		if csp := get(t, h, "/").Header().Get("Content-Security-Policy"); !strings.Contains(csp, want) {
			t.Errorf("policy %q lacks %q", csp, want)
		}
		if strings.Count(index, "<script") != 2 {
			t.Errorf("index.html should have the import map and the entry script only")
		}
		if strings.Index(index, `type="importmap"`) > strings.Index(index, `type="module"`) {
			t.Errorf("the import map must come before the first module script")
		}
	})

	t.Run("WorkerModulesByPlainURL", func(t *testing.T) {
		// Workers ignore import maps: what sw.js imports must be served as it names it.
		imports := importMap(t)
		for _, path := range []string{"/assets/auth.js", "/assets/outbox.js", "/assets/db.js"} {
			rec := get(t, h, path)
			if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-cache" {
				t.Errorf("%s: status %d, Cache-Control %q", path, rec.Code, rec.Header().Get("Cache-Control"))
			}
			if !bytes.Equal(rec.Body.Bytes(), get(t, h, imports[path]).Body.Bytes()) {
				t.Errorf("%s differs from %s", path, imports[path])
			}
		}
	})

	t.Run("WorkerPrecachesEveryAsset", func(t *testing.T) {
		sw := get(t, h, "/sw.js").Body.String()
		if strings.Contains(sw, swVersionMarker) || strings.Contains(sw, swPrecacheMarker) {
			t.Fatal("sw.js markers were not filled in")
		}
		m := regexp.MustCompile(`const VERSION = '([0-9a-f]{12})';`).FindStringSubmatch(sw)
		if m == nil {
			t.Fatal("sw.js has no hashed VERSION")
		}
		list := regexp.MustCompile(`const PRECACHE = (\[.*\]);`).FindStringSubmatch(sw)
		var urls []string
		if list == nil || json.Unmarshal([]byte(list[1]), &urls) != nil {
			t.Fatalf("sw.js PRECACHE is not a JSON list")
		}
		want := map[string]bool{}
		for path := range h.(*site).files {
			if hashedRe.MatchString(path) {
				want[path] = true
			}
		}
		for _, u := range urls {
			delete(want, u)
			if rec := get(t, h, u); rec.Code != http.StatusOK {
				t.Errorf("precached %s: status %d", u, rec.Code)
			}
		}
		// The QR decoder alone is cached apart, by the browsers that need it.
		d := regexp.MustCompile(`const QR_DECODER = '(/assets/jsqr\.[0-9a-f]{8}\.js)';`).FindStringSubmatch(sw)
		if d == nil || !want[d[1]] {
			t.Fatal("sw.js does not name the hashed QR decoder")
		}
		delete(want, d[1])
		for missing := range want {
			t.Errorf("%s is not precached", missing)
		}
		if h.(*site).version != m[1] {
			t.Errorf("VERSION %s is not the site version %s", m[1], h.(*site).version)
		}
	})

	t.Run("Gzip", func(t *testing.T) {
		src := scriptSrcRe.FindStringSubmatch(index)[1]
		plain := get(t, h, src)
		zipped := get(t, h, src, "Accept-Encoding", "br, gzip;q=0.8")
		if zipped.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("no gzip: %v", zipped.Header())
		}
		if zipped.Header().Get("Vary") != "Accept-Encoding" || plain.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Vary missing")
		}
		if plain.Header().Get("Content-Encoding") != "" {
			t.Errorf("gzip sent to a client that did not ask for it")
		}
		zr, err := gzip.NewReader(zipped.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(zr)
		if !bytes.Equal(body, plain.Body.Bytes()) {
			t.Errorf("gzip body differs from the plain body")
		}
		if zipped.Body.Len() >= plain.Body.Len() {
			t.Errorf("gzip is not smaller")
		}
		if zipped.Header().Get("ETag") == plain.Header().Get("ETag") {
			t.Errorf("gzip and plain variants share an ETag")
		}
		if get(t, h, src, "Accept-Encoding", "gzip;q=0").Header().Get("Content-Encoding") != "" {
			t.Errorf("gzip;q=0 still got gzip")
		}
	})

	t.Run("NotModified", func(t *testing.T) {
		for _, path := range []string{"/", "/sw.js", scriptSrcRe.FindStringSubmatch(index)[1]} {
			first := get(t, h, path, "Accept-Encoding", "gzip")
			etag := first.Header().Get("ETag")
			if etag == "" {
				t.Fatalf("%s: no ETag", path)
			}
			for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag} {
				rec := get(t, h, path, "Accept-Encoding", "gzip", "If-None-Match", inm)
				if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
					t.Errorf("%s If-None-Match %s: status %d, %d bytes", path, inm, rec.Code, rec.Body.Len())
				}
			}
			if rec := get(t, h, path, "If-None-Match", `"stale"`); rec.Code != http.StatusOK {
				t.Errorf("%s stale ETag: status %d", path, rec.Code)
			}
		}
	})

	t.Run("AppRoutesGetTheShell", func(t *testing.T) {
		for _, path := range []string{"/r/ABCD2345", "/opinions/new", "/topics/0195-abc", "/login"} {
			rec := get(t, h, path)
			if rec.Code != http.StatusOK || rec.Body.String() != index {
				t.Errorf("%s: status %d, shell %v", path, rec.Code, rec.Body.String() == index)
			}
			if rec.Header().Get("Cache-Control") != "no-cache" {
				t.Errorf("%s: the shell must revalidate", path)
			}
		}
		for _, path := range []string{"/assets/nope.js", "/nope.png", "/icons/x", "/favicon.ico"} {
			if rec := get(t, h, path); rec.Code != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, rec.Code)
			}
		}
	})

	t.Run("Methods", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/sw.js", nil))
		if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
			t.Errorf("HEAD: status %d, %d bytes", rec.Code, rec.Body.Len())
		}
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST: status %d", rec.Code)
		}
	})

	t.Run("Manifest", func(t *testing.T) {
		var m struct {
			Name       string `json:"name"`
			Lang       string `json:"lang"`
			Display    string `json:"display"`
			StartURL   string `json:"start_url"`
			Scope      string `json:"scope"`
			ThemeColor string `json:"theme_color"`
			Icons      []struct {
				Src     string `json:"src"`
				Sizes   string `json:"sizes"`
				Type    string `json:"type"`
				Purpose string `json:"purpose"`
			} `json:"icons"`
		}
		if err := json.Unmarshal(get(t, h, "/manifest.webmanifest").Body.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m.Name != "协商在一线" || m.Lang != "zh-CN" || m.Display != "standalone" || m.StartURL != "/" || m.Scope != "/" || m.ThemeColor == "" {
			t.Errorf("manifest fields: %+v", m)
		}
		found := map[string]bool{}
		for _, ic := range m.Icons {
			if !hashedRe.MatchString(ic.Src) {
				t.Errorf("icon %s is not a hashed path", ic.Src)
			}
			rec := get(t, h, ic.Src)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" {
				t.Fatalf("icon %s: status %d, type %s", ic.Src, rec.Code, rec.Header().Get("Content-Type"))
			}
			cfg, err := png.DecodeConfig(rec.Body)
			if err != nil {
				t.Fatalf("icon %s: %v", ic.Src, err)
			}
			if got := fmt.Sprintf("%dx%d", cfg.Width, cfg.Height); got != ic.Sizes {
				t.Errorf("icon %s is %s, manifest says %s", ic.Src, got, ic.Sizes)
			}
			found[ic.Sizes+" "+ic.Purpose] = true
		}
		for _, want := range []string{"192x192 any", "512x512 any", "512x512 maskable"} {
			if !found[want] {
				t.Errorf("manifest lacks a %s icon", want)
			}
		}
	})
}

// minimal is the smallest app build accepts.
func minimal() fstest.MapFS {
	return fstest.MapFS{
		"index.html":           {Data: []byte(`<script type="module" src="/assets/a.js"></script><!-- modulepreload -->`)},
		"manifest.webmanifest": {Data: []byte(`{}`)},
		"sw.js":                {Data: []byte("import { x } from '/assets/b.js';\nconst VERSION = 'dev';\nconst PRECACHE = [];\n")},
		"assets/a.js":          {Data: []byte("import { x } from './b.js';\nimport('./lazy/c.js');\n")},
		"assets/b.js":          {Data: []byte("export const x = 1;\n")},
		"assets/lazy/c.js":     {Data: []byte("import { x } from '../b.js';\n")},
	}
}

func TestBuild(t *testing.T) {
	t.Run("ChangeRenamesTheModuleAlone", func(t *testing.T) {
		one, err := build(minimal())
		if err != nil {
			t.Fatal(err)
		}
		fs2 := minimal()
		fs2["assets/b.js"] = &fstest.MapFile{Data: []byte("export const x = 2;\n")}
		two, err := build(fs2)
		if err != nil {
			t.Fatal(err)
		}
		named := func(s *site, p string) string {
			return regexp.MustCompile(`"/assets/` + p + `\.js":"(/assets/` + p + `\.\w+\.js)"`).FindStringSubmatch(string(s.index.body))[1]
		}
		if named(one, "a") != named(two, "a") {
			t.Errorf("a.js was renamed after b.js changed: the map, not a.js, names b.js")
		}
		if named(one, "b") == named(two, "b") {
			t.Errorf("b.js kept its name %s after it changed", named(one, "b"))
		}
		if one.version == two.version || one.csp == two.csp {
			t.Errorf("the worker's version or the policy's map hash did not change")
		}
		idx := string(one.index.body)
		if !strings.Contains(idx, `<link rel="modulepreload" href="`+named(one, "b")+`">`) || strings.Contains(idx, `modulepreload" href="/assets/lazy`) {
			t.Errorf("modulepreload should list static imports only: %s", idx)
		}
	})
	t.Run("ImportsInCommentsAndStringsAreText", func(t *testing.T) {
		fsys := minimal()
		src := "import { x } from './b.js';\n" +
			"// import { y } from \"./x.js\";\n" +
			"/* export * from './x.js' */\n" +
			"const s = 'from \"./x.js\"', u = `${x} import(\"./x.js\") ${`from \"./x.js\"`}`;\n" +
			"const re = /from \"\\.\\/x\\.js\"/, half = 1 / 2 / 3; // from './x.js'\n" +
			"import('./lazy/c.js');\n"
		fsys["assets/a.js"] = &fstest.MapFile{Data: []byte(src)}
		s, err := build(fsys)
		if err != nil {
			t.Fatalf("text that looks like an import was taken for one: %v", err)
		}
		a := regexp.MustCompile(`"/assets/a.js":"([^"]+)"`).FindStringSubmatch(string(s.index.body))
		if a == nil || s.files[a[1]] == nil || string(s.files[a[1]].body) != src {
			t.Errorf("a.js is not served as written")
		}
		if strings.Contains(string(s.index.body), "x.js") {
			t.Errorf("index.html names x.js: %s", s.index.body)
		}
	})
	t.Run("ImportCycle", func(t *testing.T) {
		fsys := minimal()
		fsys["assets/b.js"] = &fstest.MapFile{Data: []byte("import './a.js';\nexport const x = 1;\n")}
		if _, err := build(fsys); err != nil {
			t.Errorf("a cycle of modules is valid JavaScript: %v", err)
		}
	})
	t.Run("MissingImport", func(t *testing.T) {
		fsys := minimal()
		fsys["assets/b.js"] = &fstest.MapFile{Data: []byte("import './gone.js';\n")}
		if _, err := build(fsys); err == nil {
			t.Error("want an error for an import of a missing file")
		}
	})
	t.Run("WorkerMarkers", func(t *testing.T) {
		fsys := minimal()
		fsys["sw.js"] = &fstest.MapFile{Data: []byte("const PRECACHE = [];\n")}
		if _, err := build(fsys); err == nil {
			t.Error("want an error for a worker without its VERSION marker")
		}
	})
}

func TestJSImports(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []jsImport
	}{
		{`import a from "./a.js"; import * as b from './b.js'; import c, { d as e } from './c.js';`,
			[]jsImport{{spec: "./a.js"}, {spec: "./b.js"}, {spec: "./c.js"}}},
		{"import './side.js';\nexport * from './all.js';\nexport { f, g as h } from '../up.js';\nexport { i };",
			[]jsImport{{spec: "./side.js"}, {spec: "./all.js"}, {spec: "../up.js"}}},
		{"import {\n  a,\n  b,\n} from '/assets/abs.js'; import from from './from.js';",
			[]jsImport{{spec: "/assets/abs.js"}, {spec: "./from.js"}}},
		{`const m = await import('./lazy.js'); import(name); import.meta.url; x.import('./no.js');`,
			[]jsImport{{spec: "./lazy.js", dynamic: true}}},
		{"// import a from './c1.js'\n/* import './c2.js' */ const s = \"import './s.js'\";",
			nil},
		{"const t = `${ {a: 1}.a } from './t.js' ${'x'}`; const u = `import './u.js'`;",
			nil},
		{`const r = /['"]/g.test(s) ? x / 2 : /\/[']/; import './after.js';`,
			[]jsImport{{spec: "./after.js"}}},
		{"const from = 1; export const q = from; return /import '.\\/r.js'/;",
			nil},
	} {
		if got := jsImports([]byte(c.src)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("jsImports(%q) = %v, want %v", c.src, got, c.want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                   false,
		"gzip":               true,
		"gzip, deflate, br":  true,
		"br":                 false,
		"gzip;q=0":           false,
		"GZIP; q=0.5":        true,
		"*":                  true,
		"*;q=0, gzip":        true,
		"identity, gzip;q=0": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
