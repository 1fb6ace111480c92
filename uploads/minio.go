package uploads

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// MinIOConfig says where photos are kept on MinIO (or another S3 server).
type MinIOConfig struct {
	// Endpoint is host:port, or a URL whose http/https scheme overrides Secure.
	Endpoint  string
	AccessKey string
	SecretKey string
	Bucket    string
	Secure    bool
	// Region is the server's region; "" means us-east-1, MinIO's default.
	// Knowing it lets links be signed without asking the server.
	Region string
	// PublicEndpoint, if set, is the host:port or URL browsers use to reach
	// MinIO when it differs from Endpoint (say, "minio:9000" inside a
	// compose network). Links are signed for it.
	PublicEndpoint string
}

// minioRetries keeps a request to a MinIO that is down from retrying for
// seconds: the caller answers 503 and the phone retries later.
const minioRetries = 2

type minioBackend struct {
	client    *minio.Client
	presigner *minio.Client
	bucket    string
	region    string
	// bucketReady is set once the bucket is known to exist. Until then
	// every Put and Ping tries to create it, so a MinIO that was down at
	// start-up is usable as soon as it comes back.
	bucketReady atomic.Bool
	ensuring    chan struct{} // one bucket check at a time
}

// NewMinIO returns a Store keeping files in cfg.Bucket, which it creates if
// missing. If MinIO cannot be reached, NewMinIO returns a working Store
// together with an error wrapping ErrUnavailable: the caller may start
// degraded (the bucket is created on the first successful Put or Ping) or
// give up; ctx bounds that first attempt. Any other error comes with a nil
// Store.
func NewMinIO(ctx context.Context, cfg MinIOConfig) (*Store, error) {
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("uploads: minio bucket %q: %w", cfg.Bucket, err)
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	creds := credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")
	client, err := newMinIOClient(cfg.Endpoint, cfg.Secure, creds, region)
	if err != nil {
		return nil, err
	}
	presigner := client
	if cfg.PublicEndpoint != "" {
		if presigner, err = newMinIOClient(cfg.PublicEndpoint, cfg.Secure, creds, region); err != nil {
			return nil, err
		}
	}
	m := &minioBackend{
		client:    client,
		presigner: presigner,
		bucket:    cfg.Bucket,
		region:    region,
		ensuring:  make(chan struct{}, 1),
	}
	s := &Store{b: m, now: time.Now}
	if err := m.ensureBucket(ctx); err != nil {
		return s, err
	}
	return s, nil
}

func newMinIOClient(endpoint string, secure bool, creds *credentials.Credentials, region string) (*minio.Client, error) {
	if scheme, rest, ok := strings.Cut(endpoint, "://"); ok {
		u, err := url.Parse(endpoint)
		if err != nil || (scheme != "http" && scheme != "https") || strings.Trim(u.Path, "/") != "" {
			return nil, fmt.Errorf("uploads: minio endpoint %q: want host:port or http(s)://host:port", endpoint)
		}
		endpoint, secure = strings.TrimSuffix(rest, "/"), scheme == "https"
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:      creds,
		Secure:     secure,
		Region:     region,
		MaxRetries: minioRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("uploads: minio endpoint %q: %w", endpoint, err)
	}
	return client, nil
}

func (m *minioBackend) kind() string { return "minio" }

// ensureBucket creates the bucket unless it is already known to exist.
func (m *minioBackend) ensureBucket(ctx context.Context) error {
	if m.bucketReady.Load() {
		return nil
	}
	select {
	case m.ensuring <- struct{}{}:
		defer func() { <-m.ensuring }()
	case <-ctx.Done():
		return unavailable("minio bucket", ctx.Err())
	}
	if m.bucketReady.Load() {
		return nil
	}
	var ok bool
	err := whileStarting(ctx, func() (err error) {
		ok, err = m.client.BucketExists(ctx, m.bucket)
		return err
	})
	if err != nil {
		return unavailable("minio bucket", err)
	}
	if !ok {
		err := whileStarting(ctx, func() error {
			return m.client.MakeBucket(ctx, m.bucket, minio.MakeBucketOptions{Region: m.region})
		})
		if err != nil && minio.ToErrorResponse(err).Code != minio.BucketAlreadyOwnedByYou {
			return unavailable("minio create bucket", err)
		}
	}
	m.bucketReady.Store(true)
	return nil
}

// failed wraps a request error, and forgets the bucket if it has gone so the
// next Put creates it again.
func (m *minioBackend) failed(op string, err error) error {
	if minio.ToErrorResponse(err).Code == minio.NoSuchBucket {
		m.bucketReady.Store(false)
	}
	return unavailable(op, err)
}

// whileStarting retries fn while MinIO answers that it is still starting: for a moment
// after a start it says so even though its health check already passes, and waiting a
// little beats failing an upload.
func whileStarting(ctx context.Context, fn func() error) error {
	for i := 0; ; i++ {
		err := fn()
		if err == nil || minio.ToErrorResponse(err).Code != "XMinioServerNotInitialized" || i >= 20 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// put streams the file at path with its real size: minio-go buffers a whole
// part in memory when the size is unknown.
func (m *minioBackend) put(ctx context.Context, obj, contentType, path string, size int64) error {
	if err := m.ensureBucket(ctx); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("uploads: minio put: %w", err)
	}
	defer f.Close()
	err = whileStarting(ctx, func() error {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		_, err := m.client.PutObject(ctx, m.bucket, obj, f, size, minio.PutObjectOptions{
			ContentType:  contentType,
			CacheControl: "private, max-age=" + fmt.Sprint(int(LinkTTL/time.Second)),
		})
		return err
	})
	if err != nil {
		return m.failed("minio put", err)
	}
	return nil
}

func (m *minioBackend) remove(ctx context.Context, obj string) error {
	err := m.client.RemoveObject(ctx, m.bucket, obj, minio.RemoveObjectOptions{})
	if err != nil {
		switch minio.ToErrorResponse(err).Code {
		case minio.NoSuchKey, minio.NoSuchBucket:
			return nil
		}
		return m.failed("minio delete", err)
	}
	return nil
}

// url presigns locally: the region is configured, so no request is made, and
// minio-go signs with its own clock.
func (m *minioBackend) url(key string, thumb bool, _ time.Time) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u, err := m.presigner.PresignedGetObject(ctx, m.bucket, objectKey(key, thumb), LinkTTL, nil)
	if err != nil {
		return "", unavailable("minio presign", err)
	}
	return u.String(), nil
}

// signer presigns each link: minio-go signs locally, without a request, because the
// client's region is always set (see NewMinIO), so it never asks for the bucket's location.
func (m *minioBackend) signer(now time.Time) func(string, bool) (string, error) {
	return func(key string, thumb bool) (string, error) { return m.url(key, thumb, now) }
}

// ping checks the bucket, creating it if it is missing so that a store whose
// bucket was lost becomes ready again without waiting for an upload.
func (m *minioBackend) ping(ctx context.Context) error {
	if !m.bucketReady.Load() {
		return m.ensureBucket(ctx)
	}
	ok, err := m.client.BucketExists(ctx, m.bucket)
	if err != nil {
		return unavailable("minio ping", err)
	}
	if !ok {
		m.bucketReady.Store(false)
		return m.ensureBucket(ctx)
	}
	return nil
}

func (m *minioBackend) handler(func() time.Time) http.Handler { return nil }
