package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/seatwarden/seatwarden/internal/editdist"
)

// policyDecoder walks a parsed YAML tree against the Policy struct itself,
// rather than using yaml.Decoder.KnownFields, so that every unknown key and
// every type error is reported with its full key path and line, and all of
// them at once.
type policyDecoder struct {
	file     string
	problems []Problem
	// lines maps the path of every value the file set to its line; it tells
	// validation where a value came from and doctor which settings the file
	// changed.
	lines map[string]int
	// directory: an identity source is set up, so managers come from it
	// and the policy's managers map may be empty.
	directory bool
	// hasManagers: the policy's managers map names someone.
	hasManagers bool
}

func newPolicyDecoder(file string) *policyDecoder {
	return &policyDecoder{file: file, lines: map[string]int{}}
}

// add records a problem at path, on line (0 when unknown).
func (d *policyDecoder) add(path string, line int, format string, args ...any) {
	d.problems = append(d.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...), Line: line, File: d.file})
}

// addAt records a problem at path, on the line the file set it, if it did.
// Validation uses it, and skips keys that already failed to decode so one
// mistake is reported once.
func (d *policyDecoder) addAt(path string, format string, args ...any) {
	for _, p := range d.problems {
		if p.Path == path {
			return
		}
	}
	d.add(path, d.lines[path], format, args...)
}

// set reports whether the file gave path a value.
func (d *policyDecoder) set(path string) bool {
	_, ok := d.lines[path]
	return ok
}

// sortedProblems returns the problems in file order; those without a line
// (cross-key checks on defaults) come last.
func (d *policyDecoder) sortedProblems() []Problem {
	ps := slices.Clone(d.problems)
	sort.SliceStable(ps, func(i, j int) bool {
		li, lj := ps[i].Line, ps[j].Line
		return li != 0 && (lj == 0 || li < lj)
	})
	return ps
}

// decodeFile parses data as one YAML document and decodes it into p, which
// holds the defaults; keys the file leaves out keep them.
func (d *policyDecoder) decodeFile(data []byte, p *Policy) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			d.syntaxError(err, data)
		}
		return // io.EOF: an empty file or one of only comments
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.syntaxError(err, data)
		return
	case !isEmptyDocument(&extra):
		d.add("", extra.Line, "the policy file must hold one YAML document, found another (remove the extra ---)")
		return
	}
	if isEmptyDocument(&doc) {
		return
	}
	root := resolveAlias(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		d.add("", root.Line, `the policy file must be a mapping of keys such as "inactivity_days: 30", got %s`, describeNode(root))
		return
	}
	d.decode(root, reflect.ValueOf(p).Elem(), "")
}

func isEmptyDocument(doc *yaml.Node) bool {
	if doc.Kind == 0 {
		return true
	}
	if doc.Kind != yaml.DocumentNode {
		return false
	}
	return len(doc.Content) == 0 || isNull(resolveAlias(doc.Content[0]))
}

var yamlLinePrefix = regexp.MustCompile(`^line (\d+): (.*)$`)

// syntaxError turns the parser's "yaml: line 3: …" into a Problem with a line.
func (d *policyDecoder) syntaxError(err error, data []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLinePrefix.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	// The parser's words for a tab are cryptic, and tabs are the usual cause.
	if lines := strings.Split(string(data), "\n"); line > 0 && line <= len(lines) &&
		strings.HasPrefix(strings.TrimLeft(lines[line-1], " "), "\t") {
		msg += " (indent with spaces: YAML does not allow tabs)"
	}
	d.add("", line, "invalid YAML: %s", msg)
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// decode sets v from n. A null value (a key with nothing after it, or ~)
// leaves the default, so a section whose keys are all commented out behaves
// like an absent one.
func (d *policyDecoder) decode(n *yaml.Node, v reflect.Value, path string) {
	n = resolveAlias(n)
	if isNull(n) {
		return
	}
	if path != "" {
		d.lines[path] = n.Line
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		if err := v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
			d.add(path, n.Line, "%s", err.Error())
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.add(path, n.Line, "must be a string, got %s", describeNode(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		d.decodeInt(n, v, path)
	case reflect.Float32, reflect.Float64:
		d.decodeFloat(n, v, path)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.add(path, n.Line, "must be true or false, got %s", describeNode(n))
			return
		}
		v.SetBool(b)
	default:
		panic(fmt.Sprintf("config: no policy decoding for %s at %s", v.Type(), path))
	}
}

// renamedKeys are keys a release named differently, by their new path,
// so a policy written for it says where the key went.
var renamedKeys = map[string]string{
	"posture.mfa_grace_days": "posture.mfa.grace_days",
}

func (d *policyDecoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.add(path, n.Line, "must be a mapping of keys, got %s", describeNode(n))
		return
	}
	names, index := yamlFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, ok := d.key(n.Content[i], path, seen)
		if !ok {
			continue
		}
		child := joinKey(path, name)
		field, known := index[name]
		if to, moved := renamedKeys[child]; !known && moved {
			d.add(child, n.Content[i].Line, "was renamed %s; write it there", to)
			continue
		}
		if !known {
			d.add(child, n.Content[i].Line, "unknown key%s", suggest(name, names))
			continue
		}
		d.decode(n.Content[i+1], v.Field(field), child)
	}
}

// decodeMap merges the file's entries into the default map: a file that sets
// one schedule keeps the defaults of the others.
func (d *policyDecoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.add(path, n.Line, "must be a mapping of keys, got %s", describeNode(n))
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		panic(fmt.Sprintf("config: policy map %s at %s needs string keys", v.Type(), path))
	}
	merged := reflect.MakeMapWithSize(v.Type(), v.Len()+len(n.Content)/2)
	for it := v.MapRange(); it.Next(); {
		merged.SetMapIndex(it.Key(), it.Value())
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, ok := d.key(n.Content[i], path, seen)
		if !ok {
			continue
		}
		child := joinKey(path, name)
		if strings.TrimSpace(name) == "" {
			d.add(child, n.Content[i].Line, "keys must not be empty")
			continue
		}
		key := reflect.ValueOf(name).Convert(v.Type().Key())
		elem := reflect.New(v.Type().Elem()).Elem()
		if old := merged.MapIndex(key); old.IsValid() {
			elem.Set(old)
		}
		before := len(d.problems)
		if value := resolveAlias(n.Content[i+1]); isNull(value) && elem.Kind() == reflect.Struct {
			// A name with nothing after it ("deploy:" under access.roles)
			// lists the entry with its defaults rather than leaving it out.
			d.lines[child] = n.Content[i].Line
		} else {
			d.decode(n.Content[i+1], elem, child)
		}
		if len(d.problems) == before && d.set(child) {
			merged.SetMapIndex(key, elem)
		}
	}
	v.Set(merged)
}

// decodeSlice replaces the default list with the file's.
func (d *policyDecoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		if n.Kind == yaml.ScalarNode {
			d.add(path, n.Line, "must be a list such as [%s], got %q", n.Value, n.Value)
		} else {
			d.add(path, n.Line, "must be a list, got %s", describeNode(n))
		}
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		itemPath := fmt.Sprintf("%s[%d]", path, i)
		if isNull(resolveAlias(item)) {
			d.add(itemPath, item.Line, "must not be empty")
			continue
		}
		d.decode(item, s.Index(i), itemPath)
	}
	v.Set(s)
}

func (d *policyDecoder) decodeInt(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.add(path, n.Line, "must be a whole number, got %s", describeNode(n))
		return
	}
	var i int64
	var err error
	switch n.ShortTag() {
	case "!!int":
		// yaml's own rules, so 1_000 and 0x10 read as the spec says.
		if err = n.Decode(&i); err != nil || v.OverflowInt(i) {
			d.add(path, n.Line, "is out of range, got %s", n.Value)
			return
		}
	case "!!str":
		// A quoted "30" is unambiguous; accept it.
		i, err = strconv.ParseInt(strings.TrimSpace(n.Value), 10, 64)
	default:
		err = errors.New("not an integer")
	}
	if err != nil || v.OverflowInt(i) {
		d.add(path, n.Line, "must be a whole number, got %q", n.Value)
		return
	}
	v.SetInt(i)
}

func (d *policyDecoder) decodeFloat(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.add(path, n.Line, "must be a number, got %s", describeNode(n))
		return
	}
	var f float64
	var err error
	switch n.ShortTag() {
	case "!!int", "!!float":
		err = n.Decode(&f)
	case "!!str":
		f, err = strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
	default:
		err = errors.New("not a number")
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		d.add(path, n.Line, "must be a number, got %q", n.Value)
		return
	}
	v.SetFloat(f)
}

// key reads a mapping key, reporting keys that are not plain names, merge
// keys and duplicates (which the YAML parser itself lets through on a Node).
func (d *policyDecoder) key(k *yaml.Node, path string, seen map[string]int) (string, bool) {
	k = resolveAlias(k)
	if k.ShortTag() == "!!merge" {
		d.add(path, k.Line, "merge keys (<<) are not supported; write the keys out")
		return "", false
	}
	if k.Kind != yaml.ScalarNode {
		d.add(path, k.Line, "keys must be plain names, got %s", describeNode(k))
		return "", false
	}
	name := k.Value
	if first, dup := seen[name]; dup {
		d.add(joinKey(path, name), k.Line, "duplicate key (first set on line %d)", first)
		return "", false
	}
	seen[name] = k.Line
	return name, true
}

// yamlFields returns a struct's yaml key names in declaration order and the
// field index of each.
func yamlFields(t reflect.Type) ([]string, map[string]int) {
	var names []string
	index := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			panic(fmt.Sprintf("config: field %s.%s has no yaml tag", t.Name(), f.Name))
		}
		names = append(names, name)
		index[name] = i
	}
	return names, index
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	// Bounded: an alias can only point at an anchor defined before it.
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describeNode says what a value is, for "got …" in messages.
func describeNode(n *yaml.Node) string {
	n = resolveAlias(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	default:
		return "a document"
	}
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// joinKey appends key to path: "review" + "snooze_days" = "review.snooze_days";
// keys that are not plain names (role names with spaces) are quoted:
// pricing.roles["Light Agent"].
func joinKey(path, key string) string {
	if !plainKey.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggest returns " (did you mean X?)" for the known name closest to name, or
// "" when none is close enough to be a likely typo.
func suggest(name string, known []string) string {
	norm := normalizeKey(name)
	for _, k := range known {
		if normalizeKey(k) == norm {
			return fmt.Sprintf(" (did you mean %s?)", k)
		}
	}
	if best, ok := editdist.Closest(strings.ToLower(name), known); ok {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return ""
}

// normalizeKey folds case and separators so snoozeDays and Snooze-Days both
// point at snooze_days.
func normalizeKey(s string) string {
	return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
}
