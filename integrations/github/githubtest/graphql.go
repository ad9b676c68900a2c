package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode"
)

// The emulator answers the part of GitHub's GraphQL schema seatwarden
// queries: top-level user(login:) fields, aliased or not, selecting login,
// name, email, databaseId, createdAt, __typename and
// organizationVerifiedDomainEmails(login:). Arguments are variables or
// string literals. Anything else is refused with the errors GitHub gives
// for a field it does not have, so a client asking for more fails here
// before it fails against GitHub.

func (s *Server) handleGraphQL(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody)).Decode(&req); err != nil {
		writeMessage(w, http.StatusBadRequest, "Problems parsing JSON", "https://docs.github.com/graphql")
		return
	}
	doc, gerr := parseGraphQL(req.Query)
	if gerr != nil {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []any{gerr}})
		return
	}
	if errs := doc.validate(req.Variables); len(errs) > 0 {
		writeJSON(w, http.StatusOK, map[string]any{"errors": errs})
		return
	}
	data := map[string]any{}
	var errs []any
	s.mu.Lock()
	for _, f := range doc.fields {
		key := f.key()
		if f.name == "__typename" {
			data[key] = "Query"
			continue
		}
		login, _ := f.arg("login", req.Variables)
		m, ok := s.user(login)
		if !ok {
			data[key] = nil
			errs = append(errs, map[string]any{
				"type":      "NOT_FOUND",
				"path":      []string{key},
				"locations": []gqlLocation{f.loc},
				"message":   fmt.Sprintf("Could not resolve to a User with the login of '%s'.", login),
			})
			continue
		}
		data[key] = s.resolveUser(m, f.sel, req.Variables)
	}
	s.mu.Unlock()
	out := map[string]any{"data": data}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	writeJSON(w, http.StatusOK, out)
}

// resolveUser evaluates a validated selection on a user. Callers hold s.mu.
func (s *Server) resolveUser(m Member, sel []*gqlField, vars map[string]any) map[string]any {
	out := make(map[string]any, len(sel))
	for _, f := range sel {
		var v any
		switch f.name {
		case "login":
			v = m.Login
		case "name":
			v = nullIfEmpty(m.Name)
		case "email":
			v = m.Email // String!: "" when not public
		case "databaseId":
			v = m.ID
		case "createdAt":
			v = ts(m.CreatedAt)
		case "__typename":
			v = "User"
		case "organizationVerifiedDomainEmails":
			org, _ := f.arg("login", vars)
			emails := []string{}
			// Only the org's own members have emails it verified.
			if strings.EqualFold(org, s.org.Login) && s.memberIndex(m.Login) >= 0 {
				emails = append(emails, m.VerifiedEmails...)
			}
			v = emails
		}
		out[f.key()] = v
	}
	return out
}

type gqlLocation struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

type gqlValue struct {
	variable string // without $
	str      *string
	other    string // a literal that is not a string
}

type gqlField struct {
	alias, name string
	args        map[string]gqlValue
	argOrder    []string
	sel         []*gqlField
	loc         gqlLocation
}

func (f *gqlField) key() string {
	if f.alias != "" {
		return f.alias
	}
	return f.name
}

// arg resolves a string argument.
func (f *gqlField) arg(name string, vars map[string]any) (string, bool) {
	v, ok := f.args[name]
	if !ok {
		return "", false
	}
	if v.str != nil {
		return *v.str, true
	}
	if v.variable != "" {
		s, ok := vars[v.variable].(string)
		return s, ok
	}
	return "", false
}

type gqlVarDef struct {
	name, typ string
	loc       gqlLocation
}

type gqlDoc struct {
	vars   []gqlVarDef
	fields []*gqlField
}

// gqlError is a GraphQL error entry.
func gqlError(loc gqlLocation, path []string, code, msg string, ext map[string]string) map[string]any {
	e := map[string]any{"message": msg, "locations": []gqlLocation{loc}}
	if path != nil {
		e["path"] = path
	}
	if code != "" {
		x := map[string]any{"code": code}
		for k, v := range ext {
			x[k] = v
		}
		e["extensions"] = x
	}
	return e
}

// userFields are the User fields the emulator knows, with their
// arguments.
var userFields = map[string][]string{
	"login": nil, "name": nil, "email": nil, "databaseId": nil, "createdAt": nil, "__typename": nil,
	"organizationVerifiedDomainEmails": {"login"},
}

// validate checks fields, arguments and variables as GitHub's schema
// would for the supported part.
func (d *gqlDoc) validate(vars map[string]any) []any {
	var errs []any
	declared := map[string]gqlVarDef{}
	used := map[string]bool{}
	for _, v := range d.vars {
		declared[v.name] = v
	}
	checkArgs := func(f *gqlField, want []string, path []string) {
		for _, a := range f.argOrder {
			known := false
			for _, w := range want {
				known = known || w == a
			}
			if !known {
				errs = append(errs, gqlError(f.loc, path, "argumentNotAccepted",
					fmt.Sprintf("Field '%s' doesn't accept argument '%s'", f.name, a),
					map[string]string{"name": f.name, "typeName": "Field", "argumentName": a}))
			}
			if v := f.args[a]; v.variable != "" {
				used[v.variable] = true
				if _, ok := declared[v.variable]; !ok {
					errs = append(errs, gqlError(f.loc, path, "variableNotDefined",
						fmt.Sprintf("Variable $%s is used by anonymous query but not declared", v.variable),
						map[string]string{"variableName": v.variable}))
				}
			} else if v.str == nil {
				errs = append(errs, gqlError(f.loc, path, "argumentLiteralsIncompatible",
					fmt.Sprintf("Argument '%s' on Field '%s' has an invalid value (%s). Expected type 'String!'.", a, f.name, v.other), nil))
			}
		}
		for _, w := range want {
			if _, ok := f.args[w]; !ok {
				errs = append(errs, gqlError(f.loc, path, "missingRequiredArguments",
					fmt.Sprintf("Field '%s' is missing required arguments: %s", f.name, w),
					map[string]string{"className": "Field", "name": f.name, "arguments": w}))
			}
		}
	}
	for _, f := range d.fields {
		path := []string{"query", f.key()}
		switch f.name {
		case "__typename":
			continue
		case "user":
		default:
			errs = append(errs, gqlError(f.loc, path, "undefinedField",
				fmt.Sprintf("Field '%s' doesn't exist on type 'Query'", f.name),
				map[string]string{"typeName": "Query", "fieldName": f.name}))
			continue
		}
		checkArgs(f, []string{"login"}, path)
		if len(f.sel) == 0 {
			errs = append(errs, gqlError(f.loc, path, "selectionMismatch",
				"Field must have selections (field 'user' returns User but has no selections. Did you mean 'user { ... }'?)", nil))
		}
		for _, sf := range f.sel {
			spath := append(append([]string(nil), path...), sf.key())
			want, ok := userFields[sf.name]
			if !ok {
				errs = append(errs, gqlError(sf.loc, spath, "undefinedField",
					fmt.Sprintf("Field '%s' doesn't exist on type 'User'", sf.name),
					map[string]string{"typeName": "User", "fieldName": sf.name}))
				continue
			}
			if len(sf.sel) > 0 {
				errs = append(errs, gqlError(sf.loc, spath, "selectionMismatch",
					fmt.Sprintf("Selections can't be made on scalars (field '%s')", sf.name), nil))
			}
			checkArgs(sf, want, spath)
		}
	}
	for _, v := range d.vars {
		if !used[v.name] {
			errs = append(errs, gqlError(v.loc, nil, "variableNotUsed",
				fmt.Sprintf("Variable $%s is declared by anonymous query but not used", v.name),
				map[string]string{"variableName": v.name}))
			continue
		}
		if v.typ != "String!" && v.typ != "String" {
			errs = append(errs, gqlError(v.loc, nil, "variableMismatch",
				fmt.Sprintf("Type mismatch on variable $%s and argument login (%s / String!)", v.name, v.typ), nil))
			continue
		}
		if _, ok := vars[v.name].(string); !ok && strings.HasSuffix(v.typ, "!") {
			errs = append(errs, gqlError(v.loc, nil, "",
				fmt.Sprintf("Variable $%s of type %s was provided invalid value", v.name, v.typ), nil))
		}
	}
	return errs
}

// The parser covers one query operation: optional "query", an optional
// name, variable definitions, and a selection set of fields with aliases,
// arguments and nested selections.

type gqlToken struct {
	kind byte // 'n' name, 's' string, 'v' other value, or the punctuator
	text string
	loc  gqlLocation
}

func lexGraphQL(src string) ([]gqlToken, map[string]any) {
	var toks []gqlToken
	line, col := 1, 1
	rs := []rune(src)
	for i := 0; i < len(rs); {
		c := rs[i]
		loc := gqlLocation{line, col}
		adv := func(n int) {
			for range n {
				if rs[i] == '\n' {
					line, col = line+1, 1
				} else {
					col++
				}
				i++
			}
		}
		switch {
		case c == ',' || unicode.IsSpace(c) || c == '\ufeff':
			adv(1)
		case c == '#':
			for i < len(rs) && rs[i] != '\n' {
				adv(1)
			}
		case strings.ContainsRune("!$():=@[]{}|", c):
			toks = append(toks, gqlToken{kind: byte(c), text: string(c), loc: loc})
			adv(1)
		case c == '.':
			return nil, gqlError(loc, nil, "", "Parse error on \".\" (fragments are not supported by the emulator)", nil)
		case c == '"':
			j := i + 1
			var b strings.Builder
			for j < len(rs) && rs[j] != '"' {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
					switch rs[j] {
					case 'n':
						b.WriteRune('\n')
					case 't':
						b.WriteRune('\t')
					default:
						b.WriteRune(rs[j])
					}
				} else {
					b.WriteRune(rs[j])
				}
				j++
			}
			if j >= len(rs) {
				return nil, gqlError(loc, nil, "", "Parse error on unterminated string", nil)
			}
			toks = append(toks, gqlToken{kind: 's', text: b.String(), loc: loc})
			adv(j + 1 - i)
		case c == '_' || unicode.IsLetter(c):
			j := i
			for j < len(rs) && (rs[j] == '_' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			toks = append(toks, gqlToken{kind: 'n', text: string(rs[i:j]), loc: loc})
			adv(j - i)
		case c == '-' || unicode.IsDigit(c):
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.' || rs[j] == 'e' || rs[j] == 'E') {
				j++
			}
			toks = append(toks, gqlToken{kind: 'v', text: string(rs[i:j]), loc: loc})
			adv(j - i)
		default:
			return nil, gqlError(loc, nil, "", fmt.Sprintf("Parse error on %q", string(c)), nil)
		}
	}
	return toks, nil
}

type gqlParser struct {
	toks []gqlToken
	pos  int
}

func (p *gqlParser) peek() (gqlToken, bool) {
	if p.pos >= len(p.toks) {
		return gqlToken{}, false
	}
	return p.toks[p.pos], true
}

func (p *gqlParser) errAt(msg string) map[string]any {
	loc := gqlLocation{1, 1}
	if t, ok := p.peek(); ok {
		loc = t.loc
		msg = fmt.Sprintf("Parse error on %q (%s)", t.text, msg)
	} else {
		msg = "Parse error at end of query (" + msg + ")"
	}
	return gqlError(loc, nil, "", msg, nil)
}

func (p *gqlParser) expect(kind byte) (gqlToken, map[string]any) {
	t, ok := p.peek()
	if !ok || t.kind != kind {
		return gqlToken{}, p.errAt(fmt.Sprintf("expected %q", string(kind)))
	}
	p.pos++
	return t, nil
}

func parseGraphQL(src string) (*gqlDoc, map[string]any) {
	toks, lexErr := lexGraphQL(src)
	if lexErr != nil {
		return nil, lexErr
	}
	p := &gqlParser{toks: toks}
	doc := &gqlDoc{}
	if t, ok := p.peek(); ok && t.kind == 'n' {
		if t.text != "query" {
			return nil, p.errAt("only queries are supported")
		}
		p.pos++
		if t, ok := p.peek(); ok && t.kind == 'n' {
			p.pos++ // operation name
		}
		if t, ok := p.peek(); ok && t.kind == '(' {
			p.pos++
			for {
				t, ok := p.peek()
				if !ok {
					return nil, p.errAt("unterminated variable definitions")
				}
				if t.kind == ')' {
					p.pos++
					break
				}
				if _, err := p.expect('$'); err != nil {
					return nil, err
				}
				name, err := p.expect('n')
				if err != nil {
					return nil, err
				}
				if _, err := p.expect(':'); err != nil {
					return nil, err
				}
				typ, err := p.parseType()
				if err != nil {
					return nil, err
				}
				if t, ok := p.peek(); ok && t.kind == '=' {
					p.pos++
					if _, err := p.parseValue(); err != nil {
						return nil, err
					}
				}
				doc.vars = append(doc.vars, gqlVarDef{name: name.text, typ: typ, loc: t.loc})
			}
		}
	}
	fields, err := p.parseSelection()
	if err != nil {
		return nil, err
	}
	if _, more := p.peek(); more {
		return nil, p.errAt("only one operation is supported")
	}
	doc.fields = fields
	return doc, nil
}

func (p *gqlParser) parseType() (string, map[string]any) {
	var typ string
	if t, ok := p.peek(); ok && t.kind == '[' {
		p.pos++
		inner, err := p.parseType()
		if err != nil {
			return "", err
		}
		if _, err := p.expect(']'); err != nil {
			return "", err
		}
		typ = "[" + inner + "]"
	} else {
		name, err := p.expect('n')
		if err != nil {
			return "", err
		}
		typ = name.text
	}
	if t, ok := p.peek(); ok && t.kind == '!' {
		p.pos++
		typ += "!"
	}
	return typ, nil
}

func (p *gqlParser) parseValue() (gqlValue, map[string]any) {
	t, ok := p.peek()
	if !ok {
		return gqlValue{}, p.errAt("expected a value")
	}
	p.pos++
	switch t.kind {
	case '$':
		name, err := p.expect('n')
		if err != nil {
			return gqlValue{}, err
		}
		return gqlValue{variable: name.text}, nil
	case 's':
		s := t.text
		return gqlValue{str: &s}, nil
	case 'n', 'v':
		return gqlValue{other: t.text}, nil
	}
	p.pos--
	return gqlValue{}, p.errAt("expected a value")
}

func (p *gqlParser) parseSelection() ([]*gqlField, map[string]any) {
	if _, err := p.expect('{'); err != nil {
		return nil, err
	}
	var fields []*gqlField
	for {
		t, ok := p.peek()
		if !ok {
			return nil, p.errAt("unterminated selection set")
		}
		if t.kind == '}' {
			p.pos++
			if len(fields) == 0 {
				return nil, gqlError(t.loc, nil, "", "Parse error on \"}\" (empty selection set)", nil)
			}
			return fields, nil
		}
		name, err := p.expect('n')
		if err != nil {
			return nil, err
		}
		f := &gqlField{name: name.text, loc: name.loc, args: map[string]gqlValue{}}
		if t, ok := p.peek(); ok && t.kind == ':' {
			p.pos++
			field, err := p.expect('n')
			if err != nil {
				return nil, err
			}
			f.alias, f.name = name.text, field.text
		}
		if t, ok := p.peek(); ok && t.kind == '(' {
			p.pos++
			for {
				t, ok := p.peek()
				if !ok {
					return nil, p.errAt("unterminated arguments")
				}
				if t.kind == ')' {
					p.pos++
					break
				}
				an, err := p.expect('n')
				if err != nil {
					return nil, err
				}
				if _, err := p.expect(':'); err != nil {
					return nil, err
				}
				v, err := p.parseValue()
				if err != nil {
					return nil, err
				}
				if _, dup := f.args[an.text]; !dup {
					f.argOrder = append(f.argOrder, an.text)
				}
				f.args[an.text] = v
			}
		}
		if t, ok := p.peek(); ok && t.kind == '{' {
			if f.sel, err = p.parseSelection(); err != nil {
				return nil, err
			}
		}
		fields = append(fields, f)
	}
}
