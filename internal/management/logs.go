package management

import (
	"net/http"
	"strconv"
	"time"

	"github.com/sesameauth/sesame/internal/audit"
)

// listLogs is GET /api/logs: Logto's filters (userId, applicationId,
// logKey, start_time and end_time in epoch ms), newest first, paged.
func (h *Handler) listLogs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := readPaging(q)
	if err != nil {
		return err
	}
	if err := onlyParams(r, "page", "page_size", "userId", "applicationId", "logKey", "start_time", "end_time"); err != nil {
		return err
	}
	aq := audit.Query{UserID: q.Get("userId"), ApplicationID: q.Get("applicationId"), Key: q.Get("logKey"), Page: p.Page, PageSize: p.Size}
	for name, dst := range map[string]*time.Time{"start_time": &aq.Start, "end_time": &aq.End} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || n > 1<<53 {
				return invalidInput(name + " must be a time in epoch milliseconds")
			}
			*dst = time.UnixMilli(n)
		}
	}
	es, total, err := h.Audit.List(r.Context(), aq)
	if err != nil {
		return err
	}
	h.pageHeaders(w, r, p, total)
	return write(w, r, http.StatusOK, audit.Views(es))
}
