package management

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// epochMS is a time on the wire as Logto writes it: epoch milliseconds, or
// null for none (the zero time.Time).
type epochMS struct{ t *time.Time }

func (m epochMS) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*m.t = time.Time{}
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1<<53 {
		return fmt.Errorf("management: a time must be epoch milliseconds, got %s", b)
	}
	*m.t = time.UnixMilli(int64(f))
	return nil
}

func (m epochMS) MarshalJSON() ([]byte, error) {
	if m.t == nil || m.t.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, m.t.UnixMilli(), 10), nil
}

// ms is t for a request body: epoch milliseconds, nil for the zero time.
func ms(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := t.UnixMilli()
	return &v
}

// The types with timestamps decode and encode them with one pattern: an
// alias of the type (no methods, so no recursion) embedded in a struct
// whose epochMS fields, shallower, shadow the time.Time fields of the same
// JSON name (encoding/json picks the shallowest field of a name).
