package config

import (
	"bytes"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// duplicateKeys reports every object member of the JSON document data whose
// key appeared before in the same object. encoding/json keeps the last of
// them silently, so "live": "blue" followed by "live": "green" would deploy
// green without a word. Paths follow the rest of the errors: environments
// are keys under context.environments, every other member a child.
func duplicateKeys(data []byte) field.ErrorList {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var errs field.ErrorList
	if err := walkDuplicates(d, nil, &errs); err != nil {
		return nil // Not valid JSON: Parse reports that.
	}
	return errs
}

// walkDuplicates reads one JSON value from d, at path p, and appends to errs
// a problem for every duplicate key inside it.
func walkDuplicates(d *json.Decoder, p *field.Path, errs *field.ErrorList) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return err
			}
			key, ok := kt.(string)
			if !ok {
				return fmt.Errorf("object key %v is not a string", kt)
			}
			child := childPath(p, key)
			if seen[key] {
				*errs = append(*errs, field.Invalid(child, key, "duplicate key: this object names it more than once and only the last would count; keep one"))
			}
			seen[key] = true
			if err := walkDuplicates(d, child, errs); err != nil {
				return err
			}
		}
		_, err = d.Token() // '}'
		return err
	case json.Delim('['):
		for i := 0; d.More(); i++ {
			if err := walkDuplicates(d, p.Index(i), errs); err != nil {
				return err
			}
		}
		_, err = d.Token() // ']'
		return err
	}
	return nil
}

// childPath is the path of member key of the object at p.
func childPath(p *field.Path, key string) *field.Path {
	switch {
	case p == nil:
		return field.NewPath(key)
	case p.String() == "context.environments":
		return p.Key(key)
	}
	return p.Child(key)
}
