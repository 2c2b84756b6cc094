package management

import (
	"context"
	"net/http"
	"net/url"
)

// The shapes of call every service makes.

// get GETs one object.
func get[T any](ctx context.Context, c *Client, format string, ids ...string) (*T, error) {
	pth, err := path(format, ids...)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if _, err := c.do(ctx, http.MethodGet, pth, nil, nil, out); err != nil {
		return nil, err
	}
	return out, nil
}

// send sends in with method and decodes the answer.
func send[T any](ctx context.Context, c *Client, method string, in any, format string, ids ...string) (*T, error) {
	pth, err := path(format, ids...)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if _, err := c.do(ctx, method, pth, nil, in, out); err != nil {
		return nil, err
	}
	return out, nil
}

// post POSTs in and ignores the answer's body (201 or 204, no content).
func post(ctx context.Context, c *Client, in any, format string, ids ...string) error {
	pth, err := path(format, ids...)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPost, pth, nil, in, nil)
	return err
}

// del DELETEs.
func del(ctx context.Context, c *Client, format string, ids ...string) error {
	pth, err := path(format, ids...)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodDelete, pth, nil, nil, nil)
	return err
}

// all collects a short list (a user's roles, a resource's scopes), every
// page of it: Logto pages these, Sesame answers them whole.
func all[T any](ctx context.Context, c *Client, format string, ids ...string) ([]T, error) {
	pth, err := path(format, ids...)
	if err != nil {
		return nil, err
	}
	out := []T{}
	for it, err := range pages[T](ctx, c, pth, url.Values{}, ListOptions{}) {
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}
