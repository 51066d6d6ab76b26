package owner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store/s3storetest"
)

const folder = "backups/sqlserver/orders/"

var honoured = claim.Capabilities{ConditionalWrites: claim.Honoured}

func TestTheFirstDeploymentOwnsTheFolderAndASecondIsRefusedNamingBothAndTheFix(t *testing.T) {
	ctx := context.Background()
	b := s3storetest.NewFakeBucket("b", t.TempDir())
	did, err := Ensure(ctx, b, "s3://b/"+folder, folder, "shop/prod/orders", "mssql://sql-prod:1433/Orders", "", honoured)
	if err != nil || !strings.Contains(did, "recorded") {
		t.Fatalf("first run: %q %v", did, err)
	}
	if did, err := Ensure(ctx, b, "s3://b/"+folder, folder, "shop/prod/orders", "mssql://sql-prod:1433/Orders", "", honoured); err != nil || did != "" {
		t.Fatalf("the owner's next run: %q %v", did, err)
	}
	_, err = Ensure(ctx, b, "s3://b/"+folder, folder, "shop/dev/orders", "mssql://sql-dev:1433/Orders", "", honoured)
	var foreign *ForeignError
	if !errors.As(err, &foreign) {
		t.Fatalf("a second deployment was let in: %v", err)
	}
	for _, want := range []string{`"shop/prod/orders"`, `"shop/dev/orders"`, "mssql://sql-prod:1433/Orders", "DEPLOYMENT_TAKE_OVER_FROM", "storage.takeOverFrom"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not name %s: %v", want, err)
		}
	}
}

func TestADeliberateTakeoverMovesTheFolderAndOnlyFromTheNamedOwner(t *testing.T) {
	ctx := context.Background()
	b := s3storetest.NewFakeBucket("b", t.TempDir())
	if _, err := Ensure(ctx, b, "f", folder, "old", "src", "", honoured); err != nil {
		t.Fatal(err)
	}
	if _, err := Ensure(ctx, b, "f", folder, "new", "src", "someone-else", honoured); err == nil {
		t.Fatal("taken over from an owner the operator did not name")
	}
	did, err := Ensure(ctx, b, "f", folder, "new", "src", "old", honoured)
	if err != nil || !strings.Contains(did, "took") {
		t.Fatalf("takeover: %q %v", did, err)
	}
	r, _, _ := Read(ctx, b, folder)
	if r.Owner != "new" || r.TakenOverFrom != "old" {
		t.Fatalf("record after takeover: %+v", r)
	}
	if _, err := Ensure(ctx, b, "f", folder, "old", "src", "", honoured); err == nil {
		t.Fatal("the previous owner still runs there")
	}
}
