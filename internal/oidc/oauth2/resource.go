package oauth2

import (
	"errors"
	"net/url"
	"slices"
	"strings"
)

// ParseResources reads RFC 8707 resource indicators: repeated parameters,
// each possibly a comma-separated list (as Logto accepts). Each must be an
// absolute URI without a fragment.
func ParseResources(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, ind := range strings.Split(v, ",") {
			ind = strings.TrimSpace(ind)
			if ind == "" {
				continue
			}
			u, err := url.Parse(ind)
			if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(ind, "#") {
				return nil, errors.New("resource must be an absolute URI without a fragment")
			}
			if !slices.Contains(out, ind) {
				out = append(out, ind)
			}
		}
	}
	if len(out) > 20 {
		return nil, errors.New("too many resources")
	}
	return out, nil
}
