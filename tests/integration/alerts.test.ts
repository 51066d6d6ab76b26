import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { requireTools } from "./helpers/tools";

const ALERTS = path.resolve(__dirname, "../../alerts");

/**
 * The shipped alert rules, checked and unit-tested by Prometheus' own promtool: each
 * alert fires on series that reproduce its case and stays quiet where it must. (That
 * they name only metrics the agent serves is the agent's metrics test.)
 */
describe("shipped alert rules (promtool)", function () {
    this.timeout(60000);
    let promtool: string;

    before(function () {
        promtool = requireTools(this, ["promtool"]).promtool;
    });

    it("are valid rules, and every alert passes its promtool unit tests", () => {
        const checked = execFileSync(promtool, ["check", "rules", "sqlserver-backup.rules.yml"], { cwd: ALERTS, encoding: "utf8" });
        assert.match(checked, /SUCCESS: 6 rules found/);
        const tested = execFileSync(promtool, ["test", "rules", "sqlserver-backup.rules.test.yml"], { cwd: ALERTS, encoding: "utf8" });
        assert.match(tested, /SUCCESS/);
    });

    it("the unit tests can fail: an alert whose condition drifts fails them", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alerts-"));
        const rules = fs.readFileSync(path.join(ALERTS, "sqlserver-backup.rules.yml"), "utf8").replace("sqlserver_backup_newest_backup_intact == 0", "sqlserver_backup_newest_backup_intact == 2");
        fs.writeFileSync(path.join(dir, "sqlserver-backup.rules.yml"), rules);
        fs.copyFileSync(path.join(ALERTS, "sqlserver-backup.rules.test.yml"), path.join(dir, "sqlserver-backup.rules.test.yml"));
        assert.throws(() => execFileSync(promtool, ["test", "rules", "sqlserver-backup.rules.test.yml"], { cwd: dir, encoding: "utf8", stdio: "pipe" }), /SqlServerBackupNotIntact/);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("every alert has a unit test", () => {
        const rules = fs.readFileSync(path.join(ALERTS, "sqlserver-backup.rules.yml"), "utf8");
        const tests = fs.readFileSync(path.join(ALERTS, "sqlserver-backup.rules.test.yml"), "utf8");
        const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
        assert.strictEqual(alerts.length, 6);
        for (const alert of alerts) assert.match(tests, new RegExp(`alertname: ${alert}\\b`), `${alert} has no test`);
    });
});
