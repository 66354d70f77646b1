// Package mailtest runs a real Dovecot IMAP server for tests: started by
// the test on a loopback port, with its configuration, users and maildirs
// in the test's temporary directory, stopped when the test ends.
package mailtest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// Dovecot is a running server with one user.
type Dovecot struct {
	Host     string
	Port     int // IMAP: plain text, and STARTTLS
	TLSPort  int // IMAPS: TLS from the start
	User     string
	Password string
	// RootCAs trusts the server's generated certificate (for 127.0.0.1).
	RootCAs *x509.CertPool
	dir     string
}

// StartDovecot starts Dovecot on free loopback ports: IMAP (plain text
// allowed, STARTTLS offered) and IMAPS, with a generated certificate. When dovecot is not installed the test is skipped, or
// fails under SYMPOQ_TEST_REQUIRE_ALL=1.
func StartDovecot(t testing.TB) *Dovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
				break
			}
		}
	}
	if err != nil {
		if os.Getenv("SYMPOQ_TEST_REQUIRE_ALL") == "1" {
			t.Fatalf("dovecot is required (SYMPOQ_TEST_REQUIRE_ALL=1) but not installed (apt-get install dovecot-imapd)")
		}
		t.Skip("dovecot is not installed (apt-get install dovecot-imapd)")
	}
	dir, err := os.MkdirTemp("", "sympoq-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &Dovecot{Host: "127.0.0.1", Port: freePort(t), TLSPort: freePort(t), User: "support@acme.test",
		Password: "imap-secret-" + strconv.Itoa(os.Getpid()), dir: dir}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	d.RootCAs = writeCert(t, certFile, keyFile)

	// Unprivileged, Dovecot runs everything as the caller. As root (CI's
	// containers) it refuses to run its login and mail processes as root:
	// they run as the package's own users, which must reach the files.
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	internal, login, mailUser := me, me, me
	if me.Uid == "0" {
		for _, p := range []struct {
			dst  **user.User
			name string
		}{{&internal, "dovecot"}, {&login, "dovenull"}, {&mailUser, "dovecot"}} {
			u, err := user.Lookup(p.name)
			if err != nil {
				t.Fatalf("running as root, dovecot needs its system user %s: %v", p.name, err)
			}
			*p.dst = u
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	group := func(u *user.User) string {
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			t.Fatal(err)
		}
		return g.Name
	}
	home := filepath.Join(dir, "home")
	for _, p := range []string{filepath.Join(dir, "run"), filepath.Join(dir, "state"), home} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	uid, _ := strconv.Atoi(mailUser.Uid)
	gid, _ := strconv.Atoi(mailUser.Gid)
	if me.Uid == "0" {
		if err := os.Chown(home, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	passwd := filepath.Join(dir, "passwd")
	if err := os.WriteFile(passwd, []byte(d.User+":{PLAIN}"+d.Password+"::::::\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
instance_name = sympoq-test-%[2]d
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <%[9]s
ssl_key = <%[10]s
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = %[3]s
default_internal_group = %[4]s
default_login_user = %[5]s
first_valid_uid = 1
mail_location = maildir:%[1]s/home/%%u/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[6]s
}
userdb {
  driver = static
  args = uid=%[7]d gid=%[8]d home=%[1]s/home/%%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[11]d
  }
  chroot =
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service anvil {
  chroot =
}
protocol imap {
  mail_max_userip_connections = 100
}
`, dir, d.Port, internal.Username, group(internal), login.Username, passwd, uid, gid, certFile, keyFile, d.TLSPort)
	if uid == 0 {
		t.Fatal("dovecot mail user must not be root")
	}
	cfg := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-F", "-c", cfg)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot exited: %v\n%s\n%s", err, out.String(), log)
		default:
		}
		if greeted(d.Host, d.Port) {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot did not answer on port %d:\n%s\n%s", d.Port, out.String(), log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return d
}

// Log returns Dovecot's log, for failure messages.
func (d *Dovecot) Log() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	return string(b)
}

func greeted(host string, port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "* OK")
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key,
// readable by Dovecot, and returns a pool that trusts it.
func writeCert(t testing.TB, certFile, keyFile string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Client logs in as the user; the caller logs out.
func (d *Dovecot) Client(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.Dial(net.JoinHostPort(d.Host, strconv.Itoa(d.Port)))
	if err != nil {
		t.Fatalf("dial dovecot: %v", err)
	}
	c.Timeout = 30 * time.Second
	if err := c.Login(d.User, d.Password); err != nil {
		t.Fatalf("login: %v\n%s", err, d.Log())
	}
	return c
}

// Append puts raw into folder (created when missing) with IMAP APPEND.
func (d *Dovecot) Append(t testing.TB, folder string, raw []byte) {
	t.Helper()
	c := d.Client(t)
	defer c.Logout()
	if folder != "INBOX" {
		_ = c.Create(folder) // exists already: fine
	}
	if err := c.Append(folder, nil, time.Now(), bytes.NewReader(raw)); err != nil {
		t.Fatalf("append to %s: %v", folder, err)
	}
}

// Flags returns the flags of every message of folder, by UID.
func (d *Dovecot) Flags(t testing.TB, folder string) map[uint32][]string {
	t.Helper()
	c := d.Client(t)
	defer c.Logout()
	st, err := c.Select(folder, true)
	if err != nil {
		t.Fatalf("select %s: %v", folder, err)
	}
	out := map[uint32][]string{}
	if st.Messages == 0 {
		return out
	}
	set := new(imap.SeqSet)
	set.AddRange(1, st.Messages)
	ch := make(chan *imap.Message, st.Messages)
	if err := c.Fetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchFlags}, ch); err != nil {
		t.Fatalf("fetch flags: %v", err)
	}
	for m := range ch {
		out[m.Uid] = m.Flags
	}
	return out
}
