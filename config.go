package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontline/models"
	"frontline/notify"
	"frontline/uploads"
)

// Config is everything the server reads from its environment.
type Config struct {
	Addr           string
	DataDir        string
	MySQLDSN       string
	MinIOEndpoint  string
	MinIOAccessKey string
	MinIOSecretKey string
	MinIOBucket    string
	MinIOSecure    bool
	MinIOPublic    string
	JWTSecret      string
	AdminPhone     string
	AdminPassword  string
	EventRetention time.Duration
	QuotaCheckFrom string
	// CountyName heads the public pages and every printed record.
	CountyName string
	LogLevel   string
	// MetricsAddr is where /metrics is served, apart from the public address; "" = not at all.
	MetricsAddr string
	// TrustedProxies are the proxies whose X-Forwarded-For is believed.
	TrustedProxies []*net.IPNet
	// AuditRetention is how long audit rows are kept; ResidentRetention how long a
	// resident's name and phone are kept once the opinion's topic is closed or it is dismissed.
	AuditRetention    time.Duration
	ResidentRetention time.Duration
	// VAPIDPublic and VAPIDPrivate are the Web Push key pair (empty: made once and kept in
	// the data dir); VAPIDSubject the contact push services may write to.
	VAPIDPublic, VAPIDPrivate, VAPIDSubject string
	// PushAllowHosts ("host:port") may be push endpoints although not public.
	PushAllowHosts []string
	// NotifyChannel is the outside channel ("log" or "off"); NotifyKinds the events it carries.
	NotifyChannel string
	NotifyKinds   []string
	// PhotoDecodeBudget is how many bytes of decoded pixels all uploads together may hold.
	PhotoDecodeBudget int64
}

// loadConfig reads the FRONTLINE_* variables and reports every bad value at once.
func loadConfig(getenv func(string) string) (*Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := &Config{
		Addr:           get("FRONTLINE_ADDR", ":8080"),
		DataDir:        get("FRONTLINE_DATA_DIR", "./data"),
		MySQLDSN:       get("FRONTLINE_MYSQL_DSN", ""),
		MinIOEndpoint:  get("FRONTLINE_MINIO_ENDPOINT", ""),
		MinIOAccessKey: get("FRONTLINE_MINIO_ACCESS_KEY", ""),
		MinIOSecretKey: get("FRONTLINE_MINIO_SECRET_KEY", ""),
		MinIOBucket:    get("FRONTLINE_MINIO_BUCKET", "frontline"),
		MinIOPublic:    get("FRONTLINE_MINIO_PUBLIC_ENDPOINT", ""),
		JWTSecret:      getenv("FRONTLINE_JWT_SECRET"),
		AdminPhone:     get("FRONTLINE_ADMIN_PHONE", ""),
		AdminPassword:  getenv("FRONTLINE_ADMIN_PASSWORD"),
		LogLevel:       get("FRONTLINE_LOG_LEVEL", "info"),
		QuotaCheckFrom: get("FRONTLINE_QUOTA_CHECK_FROM", "07-01"),
		CountyName:     get("FRONTLINE_COUNTY_NAME", models.DefaultCountyName),
		MetricsAddr:    get("FRONTLINE_METRICS_ADDR", "127.0.0.1:9464"),
		VAPIDPublic:    get("FRONTLINE_VAPID_PUBLIC_KEY", ""),
		VAPIDPrivate:   get("FRONTLINE_VAPID_PRIVATE_KEY", ""),
		VAPIDSubject:   get("FRONTLINE_VAPID_SUBJECT", "mailto:admin@frontline.invalid"),
		NotifyChannel:  get("FRONTLINE_NOTIFY_CHANNEL", "log"),
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		bad("FRONTLINE_ADDR %q is not host:port (%v)", c.Addr, err)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("FRONTLINE_ADDR %q has a bad port", c.Addr)
	}
	if c.MetricsAddr == "off" {
		c.MetricsAddr = ""
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("FRONTLINE_METRICS_ADDR %q is not host:port or off (%v)", c.MetricsAddr, err)
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			bad("FRONTLINE_METRICS_ADDR %q has a bad port", c.MetricsAddr)
		}
	}
	for _, p := range strings.Split(getenv("FRONTLINE_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil && ip.To4() != nil {
				p += "/32"
			} else {
				p += "/128"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			bad("FRONTLINE_TRUSTED_PROXIES: %q is not an address or a CIDR like 10.0.0.0/8", p)
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	if c.MySQLDSN != "" {
		if _, err := models.ParseMySQLDSN(c.MySQLDSN); err != nil {
			bad("FRONTLINE_MYSQL_DSN: %v (expected user:pass@tcp(host:3306)/db?parseTime=true)", err)
		}
	}
	if secure := get("FRONTLINE_MINIO_SECURE", "false"); secure != "" {
		b, err := strconv.ParseBool(secure)
		if err != nil {
			bad("FRONTLINE_MINIO_SECURE %q must be true or false", secure)
		}
		c.MinIOSecure = b
	}
	minioSet := map[string]string{
		"FRONTLINE_MINIO_ENDPOINT": c.MinIOEndpoint, "FRONTLINE_MINIO_ACCESS_KEY": c.MinIOAccessKey, "FRONTLINE_MINIO_SECRET_KEY": c.MinIOSecretKey,
	}
	var have, missing []string
	for _, k := range []string{"FRONTLINE_MINIO_ENDPOINT", "FRONTLINE_MINIO_ACCESS_KEY", "FRONTLINE_MINIO_SECRET_KEY"} {
		if minioSet[k] != "" {
			have = append(have, k)
		} else {
			missing = append(missing, k)
		}
	}
	if len(have) > 0 && len(missing) > 0 {
		bad("MinIO is half configured: %s set but %s missing", strings.Join(have, ", "), strings.Join(missing, ", "))
	}
	if c.MinIOEndpoint != "" {
		if _, _, err := net.SplitHostPort(c.MinIOEndpoint); err != nil || strings.Contains(c.MinIOEndpoint, "/") {
			bad("FRONTLINE_MINIO_ENDPOINT %q must be host:port, without a scheme", c.MinIOEndpoint)
		}
	}
	if c.MinIOPublic != "" {
		if _, _, err := net.SplitHostPort(c.MinIOPublic); err != nil || strings.Contains(c.MinIOPublic, "/") {
			bad("FRONTLINE_MINIO_PUBLIC_ENDPOINT %q must be host:port, without a scheme", c.MinIOPublic)
		}
	}
	if (c.AdminPhone == "") != (c.AdminPassword == "") {
		bad("FRONTLINE_ADMIN_PHONE and FRONTLINE_ADMIN_PASSWORD go together")
	}
	if c.AdminPhone != "" && !models.ValidPhone(c.AdminPhone) {
		bad("FRONTLINE_ADMIN_PHONE %q is not an 11-digit mainland mobile number", c.AdminPhone)
	}
	if c.AdminPassword != "" {
		if why := models.PasswordProblem(c.AdminPassword, c.AdminPhone); why != "" {
			bad("FRONTLINE_ADMIN_PASSWORD %s", why)
		}
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		bad("FRONTLINE_JWT_SECRET must be at least 32 characters")
	}
	ret, err := parseDays(get("FRONTLINE_EVENT_RETENTION", "180d"))
	if err != nil {
		bad("FRONTLINE_EVENT_RETENTION: %v", err)
	}
	c.EventRetention = ret
	if c.AuditRetention, err = parseDays(get("FRONTLINE_AUDIT_RETENTION", "1095d")); err != nil {
		bad("FRONTLINE_AUDIT_RETENTION: %v", err)
	}
	if c.ResidentRetention, err = parseDays(get("FRONTLINE_RESIDENT_RETENTION", "365d")); err != nil {
		bad("FRONTLINE_RESIDENT_RETENTION: %v", err)
	}
	county := models.Problems{}
	models.CheckText(county, "county", c.CountyName, models.MaxCountyName, false)
	if why, ok := county["county"]; ok {
		bad("FRONTLINE_COUNTY_NAME %s", why)
	}
	if _, err := time.Parse("01-02", c.QuotaCheckFrom); err != nil {
		bad("FRONTLINE_QUOTA_CHECK_FROM %q must be a month and day like 07-01", c.QuotaCheckFrom)
	}
	if (c.VAPIDPublic == "") != (c.VAPIDPrivate == "") {
		bad("FRONTLINE_VAPID_PUBLIC_KEY and FRONTLINE_VAPID_PRIVATE_KEY go together")
	} else if c.VAPIDPublic != "" {
		if err := notify.CheckVAPID(c.VAPIDPrivate, c.VAPIDPublic); err != nil {
			bad("FRONTLINE_VAPID_PRIVATE_KEY/PUBLIC_KEY: %v", err)
		}
	}
	if !strings.HasPrefix(c.VAPIDSubject, "mailto:") && !strings.HasPrefix(c.VAPIDSubject, "https://") {
		bad("FRONTLINE_VAPID_SUBJECT %q must be a mailto: or https: address", c.VAPIDSubject)
	}
	for _, h := range strings.Split(getenv("FRONTLINE_PUSH_ALLOW_HOSTS"), ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			bad("FRONTLINE_PUSH_ALLOW_HOSTS: %q must be host:port", h)
			continue
		}
		c.PushAllowHosts = append(c.PushAllowHosts, h)
	}
	if c.NotifyChannel != "log" && c.NotifyChannel != "off" {
		bad("FRONTLINE_NOTIFY_CHANNEL %q must be log or off", c.NotifyChannel)
	}
	c.NotifyKinds = notify.DefaultChannelKinds
	if v := strings.TrimSpace(getenv("FRONTLINE_NOTIFY_KINDS")); v != "" {
		c.NotifyKinds = nil
		for _, k := range strings.Split(v, ",") {
			k = strings.TrimSpace(k)
			if !slices.Contains(models.EventTypes, k) && !slices.Contains(notify.DefaultChannelKinds, k) {
				bad("FRONTLINE_NOTIFY_KINDS: %q is not a kind of notice (%s)", k, strings.Join(models.EventTypes, ", "))
				continue
			}
			c.NotifyKinds = append(c.NotifyKinds, k)
		}
	}
	c.PhotoDecodeBudget = uploads.DefaultDecodeBudget
	if v := get("FRONTLINE_PHOTO_DECODE_BUDGET", ""); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < uploads.MinDecodeBudget || n > uploads.MaxDecodeBudget {
			bad("FRONTLINE_PHOTO_DECODE_BUDGET %q must be a number of bytes from %d (32 MiB) to %d (16 GiB)",
				v, int64(uploads.MinDecodeBudget), int64(uploads.MaxDecodeBudget))
		}
		c.PhotoDecodeBudget = n
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("FRONTLINE_LOG_LEVEL %q must be debug, info, warn or error", c.LogLevel)
	}
	if len(problems) > 0 {
		return nil, errors.New("bad configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return c, nil
}

// parseDays reads a duration that may also be written in days, like "180d".
func parseDays(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("%q must be a positive number of days like 180d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q must be a duration like 180d or 720h", s)
	}
	return d, nil
}

// secret returns the configured HMAC secret, or one generated on first start and kept in the
// data dir so tokens survive restarts.
func (c *Config) secret() ([]byte, error) {
	if c.JWTSecret != "" {
		return []byte(c.JWTSecret), nil
	}
	path := filepath.Join(c.DataDir, "jwt.secret")
	if b, err := os.ReadFile(path); err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) >= 32 {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("%s is too short; delete it to make a new one", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	s := hex.EncodeToString(buf)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another instance sharing the data dir wrote it first.
		return c.secret()
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return []byte(s), f.Close()
}

// vapid returns the configured Web Push key pair, or one generated on first start and kept
// in the data dir (like the token secret), so browsers' subscriptions survive restarts.
func (c *Config) vapid() (notify.VAPID, error) {
	v := notify.VAPID{Public: c.VAPIDPublic, Private: c.VAPIDPrivate, Subject: c.VAPIDSubject}
	if v.Public != "" {
		return v, nil
	}
	path := filepath.Join(c.DataDir, "vapid.keys")
	if b, err := os.ReadFile(path); err == nil {
		priv, pub, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		if err := notify.CheckVAPID(strings.TrimSpace(priv), strings.TrimSpace(pub)); err != nil {
			return v, fmt.Errorf("%s: %w; delete it to make a new pair (subscribed browsers must subscribe again)", path, err)
		}
		v.Private, v.Public = strings.TrimSpace(priv), strings.TrimSpace(pub)
		return v, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return v, err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return v, err
	}
	priv, pub, err := notify.GenerateVAPID()
	if err != nil {
		return v, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another instance sharing the data dir wrote it first.
		return c.vapid()
	}
	if err != nil {
		return v, err
	}
	if _, err := f.WriteString(priv + "\n" + pub + "\n"); err != nil {
		f.Close()
		return v, err
	}
	v.Private, v.Public = priv, pub
	return v, f.Close()
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}
