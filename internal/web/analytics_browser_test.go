package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/sympoq/sympoq/internal/desk"
)

// TestBrowserAnalytics: an administrator opens Analytics in Chromium, sees
// every report drawn as an inline SVG chart with its table, and narrows the
// scope with the form.
func TestBrowserAnalytics(t *testing.T) {
	ctx := chrome(t)
	s := demoSite(t)
	if _, err := desk.RefreshReports(context.Background(), s.db); err != nil {
		t.Fatal(err)
	}
	if err := signIn(ctx, s.srv.URL, "admin", adminPassword); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//nav//a[normalize-space(.)="Analytics"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#h-ratings`)),
	)
	if err != nil {
		t.Fatalf("open analytics: %v", err)
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("section.report figure svg[role=img]").length`))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("section.report table tbody tr").length`))
	if err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("chart-created-closed-title").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if charts != len(desk.ReportNames) || rows == 0 || !strings.Contains(title, "created and closed") {
		t.Errorf("analytics shows %d charts, %d table rows, title %q; want %d charts with rows", charts, rows, title, len(desk.ReportNames))
	}
	screenshot(t, ctx, "analytics")
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#f-priority`), "3"),
		chromedp.Click(chromedp.CSS(`form.report-scope button[type=submit]`)),
		// Only the new page has the choice as the select's attribute.
		chromedp.WaitReady(chromedp.CSS(`#f-priority option[value="3"][selected]`)),
	)
	if err != nil {
		t.Fatalf("narrow the scope: %v", err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("narrow the scope: %v", err)
	}
	if !strings.Contains(url, "priority=3") {
		t.Errorf("after choosing High the page is %s, want priority=3 in it", url)
	}
}
