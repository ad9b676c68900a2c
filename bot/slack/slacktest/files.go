package slacktest

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// MaxFileBytes is the largest upload the emulator takes (Slack's limit is
// 1 GB; nothing seatwarden uploads comes near it).
const MaxFileBytes = 8 << 20

// File is a file uploaded the way Slack asks now: files.getUploadURLExternal
// reserves it, a POST to its upload URL carries the bytes, and
// files.completeUploadExternal finishes it and shares it in a channel.
type File struct {
	ID       string
	Name     string
	Title    string
	AltText  string
	Length   int
	Data     []byte
	Uploaded bool
	// Channel and ThreadTS are where it was shared; Channel is "" while
	// it is private or not completed.
	Channel  string
	ThreadTS string
	Complete bool
}

// Files are the files uploaded so far, in reservation order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, len(s.files))
	for i, f := range s.files {
		out[i] = *f
		out[i].Data = append([]byte(nil), f.Data...)
	}
	return out
}

func (s *Server) fileLocked(id string) *File {
	for _, f := range s.files {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// filesGetUploadURLExternal reserves a file: filename and length (bytes)
// are required, as Slack requires them.
func (s *Server) filesGetUploadURLExternal(req apiRequest) (reply, *apiError) {
	name := strings.TrimSpace(req.params["filename"])
	length, err := strconv.Atoi(req.params["length"])
	if name == "" || err != nil || length <= 0 {
		return nil, fail("invalid_arguments", "[ERROR] filename and length (a positive number of bytes) are required")
	}
	if length > MaxFileBytes {
		return nil, fail("file_too_large")
	}
	f := &File{ID: s.nextID("F"), Name: name, AltText: req.params["alt_txt"], Length: length}
	s.files = append(s.files, f)
	return reply{"upload_url": s.URL + "/upload/v1/" + f.ID, "file_id": f.ID}, nil
}

// serveUpload takes a reserved file's bytes, raw or as the multipart
// "file" field, and answers as Slack's upload host does: 200 "OK - N".
// The bytes must be as many as the reservation said.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	data, err := uploadBody(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fileLocked(id)
	switch {
	case f == nil:
		http.Error(w, "no such upload", http.StatusNotFound)
		return
	case f.Uploaded:
		http.Error(w, "already uploaded", http.StatusBadRequest)
		return
	case len(data) != f.Length:
		http.Error(w, "length mismatch: reserved "+strconv.Itoa(f.Length)+" bytes, got "+strconv.Itoa(len(data)), http.StatusBadRequest)
		return
	}
	f.Data, f.Uploaded = data, true
	s.notify()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "OK - "+strconv.Itoa(len(data)))
}

func uploadBody(r *http.Request) ([]byte, error) {
	body := io.LimitReader(r.Body, MaxFileBytes+1)
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "multipart/form-data" {
		return io.ReadAll(body)
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, err
		}
		if part.FormName() == "file" {
			return io.ReadAll(part)
		}
	}
}

// filesCompleteUploadExternal finishes uploads and shares them in
// channel_id (in thread_ts when given); without a channel they stay
// private. Every file must have been reserved and uploaded.
func (s *Server) filesCompleteUploadExternal(req apiRequest) (reply, *apiError) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(req.params["files"]), &files); err != nil || len(files) == 0 {
		return nil, fail("invalid_arguments", "[ERROR] files must be a JSON array of {id, title}")
	}
	channel := ""
	if c := firstNonEmpty(req.params["channel_id"], req.params["channels"]); c != "" {
		var e *apiError
		if channel, e = s.postTargetLocked(c); e != nil {
			return nil, e
		}
	}
	var out []map[string]any
	for _, in := range files {
		f := s.fileLocked(in.ID)
		if f == nil || !f.Uploaded || f.Complete {
			return nil, fail("file_not_found")
		}
		f.Title, f.Complete, f.Channel, f.ThreadTS = in.Title, true, channel, req.params["thread_ts"]
		out = append(out, map[string]any{"id": f.ID, "title": f.Title, "name": f.Name, "size": f.Length})
	}
	s.notify()
	return reply{"files": out}, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
