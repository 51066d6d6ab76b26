package gbconfig

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// RunConfig is the config one run of one model hands GoBackup: the config as given
// (unexpanded: GoBackup expands it itself), with its workdir moved to the model's own
// staging folder (so whatever a killed run leaves there is this model's, and the next
// run of it can remove it) and every storage's `keep` set to 0. GoBackup prunes inside
// its upload, before anything is verified, so retention is the agent's alone: a
// `keep` in a mounted config becomes the agent's policy (see Model.Keep) instead.
func RunConfig(text, stagingDir string) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return "", &ParseError{Reason: "not valid YAML before expansion: " + err.Error()}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return "", &ParseError{Reason: "the top level must be a mapping with a models: section"}
	}
	root := doc.Content[0]
	setValue(root, "workdir", &yaml.Node{Kind: yaml.ScalarNode, Value: stagingDir, Style: yaml.DoubleQuotedStyle})
	if models := value(root, "models"); models != nil && models.Kind == yaml.MappingNode {
		for i := 1; i < len(models.Content); i += 2 {
			storages := value(models.Content[i], "storages")
			if storages == nil || storages.Kind != yaml.MappingNode {
				continue
			}
			for j := 1; j < len(storages.Content); j += 2 {
				if storages.Content[j].Kind == yaml.MappingNode {
					setValue(storages.Content[j], "keep", &yaml.Node{Kind: yaml.ScalarNode, Value: "0", Tag: "!!int"})
				}
			}
		}
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", fmt.Errorf("writing the run's config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// value is the value of key in a mapping (keys compared as viper does: case-insensitively).
func value(mapping *yaml.Node, key string) *yaml.Node {
	if mapping == nil || mapping.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if strings.EqualFold(mapping.Content[i].Value, key) {
			return mapping.Content[i+1]
		}
	}
	return nil
}

// setValue replaces every value of key (any case: viper would take one of them) or adds it.
func setValue(mapping *yaml.Node, key string, v *yaml.Node) {
	found := false
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if strings.EqualFold(mapping.Content[i].Value, key) {
			mapping.Content[i+1] = v
			found = true
		}
	}
	if !found {
		mapping.Content = append(mapping.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	}
}
