package web_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/demo"
	"github.com/sympoq/sympoq/internal/desk"
)

// chrome starts a headless Chromium for one test, or skips the test when
// there is none (fails it when SYMPOQ_TEST_REQUIRE_ALL=1, as in CI).
func chrome(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if path, err = exec.LookPath("chromium-browser"); err != nil {
			if os.Getenv("SYMPOQ_TEST_REQUIRE_ALL") == "1" {
				t.Fatal("Chromium is required (SYMPOQ_TEST_REQUIRE_ALL=1) but not installed")
			}
			t.Skip("Chromium not installed")
		}
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1440, 900), chromedp.UserDataDir(t.TempDir())}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	// The first run starts the browser; its context must not time out, or
	// the browser goes with it. The journey's steps get a deadline.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	tctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelT)
	return tctx
}

// screenshot writes the page to docs/screenshots/NAME.png when
// SYMPOQ_SCREENSHOTS=1 (so that test runs do not change the tree): the
// whole page, or for long lists what the window shows.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("SYMPOQ_SCREENSHOTS") != "1" {
		return
	}
	shot := chromedp.FullScreenshot(100)
	if name == "tickets" || name == "customers" || strings.HasSuffix(name, "-360") {
		shot = chromedp.CaptureScreenshot()
	}
	buf, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// demoSite is a site filled with the sample data of `sympoq demo`.
func demoSite(t *testing.T) *site {
	s := sqliteSite(t)
	ctx := context.Background()
	if _, err := demo.Fill(ctx, s.desk, s.account, demo.Options{Customers: 40, Seed: 7}); err != nil {
		t.Fatalf("demo.Fill: %v", err)
	}
	if _, err := demo.Tickets(ctx, s.desk, s.account, 120, 7, nil); err != nil {
		t.Fatalf("demo.Tickets: %v", err)
	}
	return s
}

const demoAgent = "maria.lopez@sympoq.example"

func signIn(ctx context.Context, base, login, password string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(base+"/app/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-login`)),
		chromedp.SendKeys(chromedp.CSS(`#f-login`), login),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/app/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.me-name`)),
	)
}

func TestBrowserAgentWorksATicket(t *testing.T) {
	ctx := chrome(t)
	s := demoSite(t)
	bg := context.Background()
	canned, err := s.desk.SaveCannedReply(bg, s.admin, 0, desk.CannedInput{Name: desk.Some("Restart the printer"),
		Body: desk.Some("Please switch the printer off and on again, then try once more.")})
	if err != nil {
		t.Fatal(err)
	}
	tk := s.ticket("Printer shows error E42 after the update", "Since this morning the printer in room 3 shows E42.", "houston.brooks@initech.example")
	file := filepath.Join(t.TempDir(), "printer-log.txt")
	if err := os.WriteFile(file, []byte("E42 at 09:14\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/app/login"), chromedp.WaitVisible(chromedp.CSS(`#f-login`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "login")
	if err := signIn(ctx, s.srv.URL, demoAgent, demo.AgentPassword); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	screenshot(t, ctx, "tickets")
	if os.Getenv("SYMPOQ_SCREENSHOTS") == "1" {
		// The same list on a phone.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 780), chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		screenshot(t, ctx, "tickets-360")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900), chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(s.srv.URL+"/app/desk/?view=all&q=E42"),
		chromedp.Click(chromedp.Search(`//td[contains(@class,"subject")]/a[contains(., "E42")]`)),
		chromedp.WaitVisible(chromedp.CSS(`#reply textarea`)),
		// The canned reply is inserted by the script as soon as it is chosen.
	)
	if err == nil {
		// Choose it as a user would: the select changes and says so.
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(s => { s.value = "`+itoa(canned.ID)+`"; return s.dispatchEvent(new Event("change")) })(document.getElementById("f-canned"))`))
	}
	if err != nil {
		t.Fatalf("open ticket, pick canned reply: %v", err)
	}
	message, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-message`)))
	if err != nil || !strings.Contains(message, "switch the printer off and on") {
		t.Fatalf("message after choosing the canned reply = %q, %v", message, err)
	}
	selfAssign, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#reply #f-self_assign").checked`))
	if err != nil || !selfAssign {
		t.Errorf("self-assign offered checked on an unassigned ticket = %v, %v", selfAssign, err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#f-message`), " Thanks for the log."),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-files`), []string{file}),
		chromedp.Click(chromedp.CSS(`#reply button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if err != nil {
		t.Fatalf("send reply: %v", err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.flash`)))
	if err != nil || !strings.Contains(flash, "Reply sent with 1 attachment") {
		t.Errorf("reply flash = %q, %v", flash, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#note > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#note textarea`)),
		chromedp.SendKeys(chromedp.CSS(`#note textarea`), "Customer uses the old driver; follow up tomorrow."),
		chromedp.Click(chromedp.CSS(`#note button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.ev.internal.msg`)),
	)
	if err != nil {
		t.Fatalf("add note: %v", err)
	}
	screenshot(t, ctx, "ticket")
	if os.Getenv("SYMPOQ_SCREENSHOTS") == "1" {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 780), chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		screenshot(t, ctx, "ticket-360")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900), chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
	}

	v, err := s.desk.Ticket(bg, s.admin, tk.DisplayID, true)
	if err != nil {
		t.Fatal(err)
	}
	maria := s.userID(demoAgent)
	if v.Assignee != maria {
		t.Errorf("assignee = %d, want Maria (%d)", v.Assignee, maria)
	}
	var reply, note, attach bool
	for _, e := range v.Events {
		switch e.Action {
		case sympoq.EvReply:
			reply = strings.Contains(e.Body, "switch the printer off and on") && strings.Contains(e.Body, "Thanks for the log.")
		case sympoq.EvNote:
			note = strings.Contains(e.Body, "old driver") && e.Visibility == sympoq.Internal
		case sympoq.EvAttachment:
			attach = strings.Contains(e.Description, "printer-log.txt")
		}
	}
	if !reply || !note || !attach {
		t.Errorf("events: reply %v, note %v, attachment %v", reply, note, attach)
	}

	// The customers page, for the record.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/app/desk/customers"), chromedp.WaitVisible(chromedp.CSS(`tr.customer-row`))); err != nil {
		t.Fatalf("customers: %v", err)
	}
	screenshot(t, ctx, "customers")
}

func TestBrowserAPIKeyFromProfile(t *testing.T) {
	ctx := chrome(t)
	s := demoSite(t)
	if err := signIn(ctx, s.srv.URL, demoAgent, demo.AgentPassword); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.srv.URL+"/app/profile"),
		chromedp.WaitVisible(chromedp.CSS(`#keys #f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#keys #f-name`), "Reporting script"),
		chromedp.Click(chromedp.CSS(`#keys button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-key`)),
		// The copy button exists only with the script.
		chromedp.WaitVisible(chromedp.CSS(`button[data-copy="new-key"]`)),
	)
	if err != nil {
		t.Fatalf("create key: %v", err)
	}
	key, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#new-key`)))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "profile")
	status, body := s.apiGet("/tickets?limit=1", key)
	if status != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(body), "[") {
		t.Errorf("GET /tickets with the key from the page = %d %.200s", status, body)
	}
	if status, body := s.apiGet("/profile", key); status != http.StatusOK || !strings.Contains(body, demoAgent) {
		t.Errorf("GET /profile with the key = %d %.200s", status, body)
	}
}
