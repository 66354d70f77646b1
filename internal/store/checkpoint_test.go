package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCheckpointer: the writer leaves checkpoints to the checkpointer up to
// writerCheckpointPages, and the checkpointer copies a commit of more than
// SQLite's own 1,000-page threshold into the database file by itself.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ckpt.db")
	db, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var auto int
	if err := db.w.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != writerCheckpointPages {
		t.Fatalf("writer's wal_autocheckpoint = %d, want %d", auto, writerCheckpointPages)
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE filler (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	before := size()
	// About 2,500 pages, in one commit: past SQLite's default threshold,
	// under the writer's.
	err = db.Tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
			INSERT INTO filler (b) SELECT randomblob(4000) FROM n`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * checkpointEvery)
	for size()-before < 2000*4096 {
		if time.Now().After(deadline) {
			t.Fatalf("database file grew %d bytes in %v after a 10 MB commit: no checkpoint", size()-before, 10*checkpointEvery)
		}
		time.Sleep(checkpointEvery / 5)
	}
	logPages, done, err := db.ckpt.once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if done != logPages {
		t.Errorf("after the checkpoints, %d of the log's %d pages are in the database file", done, logPages)
	}
}
