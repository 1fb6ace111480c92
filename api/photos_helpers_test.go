package api

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"testing"
)

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multipartPhoto builds an upload body with an optional id field before the file.
func multipartPhoto(t testing.TB, id string, file []byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if id != "" {
		if err := mw.WriteField("id", id); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", "photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// uploadPhoto posts a photo as a and returns what the API answered (201 or 200).
func (h *harness) uploadPhoto(a *actor, id string, file []byte) photoView {
	h.t.Helper()
	body, ct := multipartPhoto(h.t, id, file)
	rec := h.serve(newRawRequest("POST", "/api/v1/photos", string(body), ct, a.token))
	if rec.Code != http.StatusCreated && rec.Code != http.StatusOK {
		h.t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	var v photoView
	mustDecode(h.t, rec, &v)
	return v
}
