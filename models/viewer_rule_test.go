package models_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// actorAsUser are the Store methods allowed a *User parameter, each with why: in them the
// User is the data, not the one who acts.
var actorAsUser = map[string]string{
	"Store.Viewer": "builds the viewer of a user: the one place a *User becomes a *Viewer",
}

// viewerBuilders are the functions allowed to call Store.Viewer: the api layer's one
// builder per request (which keeps the viewer for the rest of the request).
var viewerBuilders = map[string]string{
	"api/auth.go viewer": "the request's viewer, built once and kept on the echo.Context",
}

// TestStoreActsForViewers keeps one way of saying who acts: a store method that acts for a
// signed-in user takes the request's *Viewer (see models.Viewer), never a *User from which
// it builds its own, and nothing but the api layer's per-request builder builds one.
func TestStoreActsForViewers(t *testing.T) {
	usedParam := map[string]bool{}
	usedBuilder := map[string]bool{}
	for _, dir := range []struct{ path, name string }{{".", "models"}, {"../api", "api"}} {
		files, err := filepath.Glob(filepath.Join(dir.path, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			file := dir.name + "/" + filepath.Base(path)
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				if dir.name == "models" && receiverIs(fn, "Store") {
					name := "Store." + fn.Name.Name
					for _, p := range fn.Type.Params.List {
						if !isStarIdent(p.Type, "User") {
							continue
						}
						if _, ok := actorAsUser[name]; ok {
							usedParam[name] = true
							continue
						}
						t.Errorf("%s: %s takes a *User; a method that acts for a user takes the request's *Viewer (or, where the User is the data, add it to actorAsUser with why)",
							fset.Position(fn.Pos()), name)
					}
				}
				where := file + " " + fn.Name.Name
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					sel, ok := call.Fun.(*ast.SelectorExpr)
					if !ok || sel.Sel.Name != "Viewer" || len(call.Args) != 2 {
						return true
					}
					if _, ok := viewerBuilders[where]; ok {
						usedBuilder[where] = true
						return true
					}
					t.Errorf("%s: %s builds a viewer of its own; take the request's *Viewer instead", fset.Position(call.Pos()), where)
					return true
				})
			}
		}
	}
	for name := range actorAsUser {
		if !usedParam[name] {
			t.Errorf("actorAsUser names %s, which takes no *User any more: drop it", name)
		}
	}
	for where := range viewerBuilders {
		if !usedBuilder[where] {
			t.Errorf("viewerBuilders names %s, which builds no viewer any more: drop it", where)
		}
	}
}

func receiverIs(fn *ast.FuncDecl, typ string) bool {
	return fn.Recv != nil && len(fn.Recv.List) == 1 && isStarIdent(fn.Recv.List[0].Type, typ)
}

func isStarIdent(e ast.Expr, name string) bool {
	star, ok := e.(*ast.StarExpr)
	if !ok {
		return false
	}
	id, ok := star.X.(*ast.Ident)
	return ok && id.Name == name
}
