package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate for localhost and 127.0.0.1 and its key,
// and returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

var receiving = regexp.MustCompile(`receives mail on smtp://(\S+)`)

// TestServeSMTP starts "sympoq serve" with the SMTP receiver and STARTTLS,
// delivers a message over TLS, sees the ticket through the API, and stops
// gracefully.
func TestServeSMTP(t *testing.T) {
	t.Chdir(t.TempDir())
	certFile, keyFile, pool := selfSigned(t)
	const key = "smtp-test-admin-key-0123456789"
	base, out, stop := startServer(t, map[string]string{"SYMPOQ_ADMIN_API_KEY": key},
		"--smtp-listen", "127.0.0.1:0", "--smtp-cert", certFile, "--smtp-key", keyFile, "--smtp-domain", "mx.example.test")
	m := receiving.FindStringSubmatch(out.String())
	if m == nil {
		stop()
		t.Fatalf("no SMTP address in the output:\n%s", out.String())
	}
	c, err := smtp.Dial(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered with a certificate")
	}
	if err := c.StartTLS(&tls.Config{ServerName: "localhost", RootCAs: pool}); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Mail("casey@example.com"))
	must(c.Rcpt("help@anything.example")) // one account: any address
	w, err := c.Data()
	must(err)
	_, err = w.Write([]byte("From: Casey <casey@example.com>\r\nTo: help@anything.example\r\nSubject: Printer on fire\r\n" +
		"Message-ID: <serve-smtp-1@example.com>\r\n\r\nPlease send help.\r\n"))
	must(err)
	must(w.Close())
	must(c.Quit())

	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body := get(t, base+"/app/desk/api/tickets?q=fire", key)
		if status == 200 && strings.Contains(string(body), `"subject":"Printer on fire"`) && strings.Contains(string(body), `"channel":`) {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no ticket from the mail: %d %s", status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	if _, err := net.DialTimeout("tcp", m[1], time.Second); err == nil {
		t.Errorf("the SMTP port still takes connections after shutdown")
	}
}

func TestServeSMTPFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--smtp-listen", "127.0.0.1:0", "--smtp-cert", "cert.pem"},
		{"serve", "--smtp-cert", "cert.pem", "--smtp-key", "key.pem"},
	} {
		var o, e bytes.Buffer
		if err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &o, &e); err == nil || !strings.Contains(err.Error(), "smtp") {
			t.Errorf("sympoq %v = %v, want a configuration error about smtp", args, err)
		}
	}
}
