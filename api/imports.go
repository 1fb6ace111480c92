package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"frontline/export"
	"frontline/models"

	"github.com/labstack/echo/v4"
)

// importBodyLimit is the import file plus room for the multipart framing.
const importBodyLimit = export.MaxImportBytes + 64<<10

// importWriteTime is how long an import may take to answer: hashing thousands of first
// passwords typed in the file takes minutes on a small server, longer than the server's
// write timeout.
const importWriteTime = 10 * time.Minute

func (s *Server) importTemplate(c echo.Context) error {
	book, err := export.UserTemplate()
	if err != nil {
		return err
	}
	defer book.Close()
	s.downloadHeaders(c, export.Sheet{Title: "委员导入模板", ASCII: "member-import-template"}, "xlsx",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Response().WriteHeader(http.StatusOK)
	if _, err := book.WriteTo(c.Response()); err != nil {
		s.logger(c).Warn("template cut off", "err", err)
	}
	return nil
}

// importFailure is the 422 of an import with problems: the API's error, and the report that
// lists every problem.
type importFailure struct {
	Error errorDetail `json:"error"`
	*models.ImportReport
}

// importUsers checks an uploaded import file (multipart "file") and, without ?dry_run=true,
// applies it in one transaction. The answer of a real import carries the new members' first
// passwords, once: it is not cached, and they are in no log and no audit row.
func (s *Server) importUsers(c echo.Context) error {
	dryRun := false
	switch c.QueryParam("dry_run") {
	case "", "false", "0":
	case "true", "1":
		dryRun = true
	default:
		return models.Invalid("dry_run", "must be true or false")
	}
	data, err := readImportFile(c)
	if err != nil {
		return err
	}
	file, err := export.ReadUserImport(data)
	if err != nil {
		return err
	}
	_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(importWriteTime))
	rep, err := s.store.ImportUsers(c.Request().Context(), file, dryRun, func(tx *models.Store, r *models.ImportReport) error {
		return s.audit(c, tx, models.AuditUserImport, models.AuditKindUser, "", map[string]any{
			"rows": r.Rows, "created": r.Created, "updated": r.Updated, "rooms_created": len(r.RoomsCreated)})
	})
	c.Response().Header().Set("Cache-Control", "no-store")
	var e *models.Error
	if rep != nil && errors.As(err, &e) {
		return c.JSON(http.StatusUnprocessableEntity, importFailure{Error: errorDetail{Code: e.Code, Message: e.Message, Fields: e.Fields}, ImportReport: rep})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

// readImportFile reads the "file" part of a multipart upload, up to the import's cap.
func readImportFile(c echo.Context) ([]byte, error) {
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, importBodyLimit)
	if mt, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); mt != "multipart/form-data" {
		return nil, models.Errorf(models.CodeUnsupported, "send the file as multipart/form-data with a file field")
	}
	mr, err := req.MultipartReader()
	if err != nil {
		return nil, models.Errorf(models.CodeBadRequest, "malformed multipart body")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, models.Invalid("file", "is required")
		}
		if err != nil {
			return nil, importTooLarge(badMultipart(err))
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, export.MaxImportBytes+1))
		if err != nil {
			return nil, importTooLarge(badMultipart(err))
		}
		if len(data) > export.MaxImportBytes {
			return nil, models.Errorf(models.CodeTooLarge, "the file is over 5 MiB")
		}
		return data, nil
	}
}

func importTooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return models.Errorf(models.CodeTooLarge, "the file is over 5 MiB")
	}
	return err
}
