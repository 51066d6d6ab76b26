import * as assert from "assert";
import { canonicalCron, cronProblem, parseCron } from "../../components/args/cron";
import { timeZoneProblem } from "../../components/args/timeZone";
import { dstEffects, keepSpanDays, maxBackupAgeSeconds } from "../../components/args/scheduleMath";
import { describeSchedule, dstWarning, goDuration } from "../../components/plan/schedule";

/**
 * Cron and time zones as the engines read them. The full differential check against
 * robfig/cron and Go's time package runs in tests/engine (verdict corpus); these are
 * the cases a user meets.
 */
describe("schedule", () => {
    it("accepts what robfig/cron v3 (Kubernetes, GoBackup) accepts, descriptors included", () => {
        for (const cron of ["0 2 * * *", "*/15 * * * *", "0 3 * * MON-FRI", "0 0 1 JAN,JUL *", "5 4 * * 0", "@daily", "@every 6h", "0 2 * * ?", "*-5 * * * *"]) {
            assert.strictEqual(cronProblem(cron), undefined, cron);
        }
    });

    it("refuses weekday 7, which robfig (so Kubernetes and the agent's scheduler) rejects although classic cron allows it", () => {
        assert.match(cronProblem("0 2 * * 7")!, /end of range \(7\) above maximum \(6\)/);
    });

    it("refuses seconds, a zero step, a TZ prefix, out-of-range values and cron-parser-only extensions", () => {
        for (const cron of ["0 0 2 * * *", "*/0 * * * *", "TZ=UTC 0 2 * * *", "61 2 * * *", "0 2 L * *", "0 2 * * 5#3", "0 2 * *", "0 25 * * *", "@daily ", "@fortnightly"]) {
            assert.ok(cronProblem(cron), `${cron} should be refused`);
        }
        assert.match(cronProblem("TZ=Europe/Berlin 0 2 * * *")!, /schedule\.timeZone/);
    });

    it("refuses a schedule that can never run, such as the 31st of February", () => {
        assert.match(cronProblem("0 0 31 2 *")!, /never runs/);
        assert.match(cronProblem(", * * * *")!, /never runs/);
        assert.strictEqual(cronProblem("0 0 29 2 *"), undefined, "leap years have it");
        assert.strictEqual(cronProblem("0 0 31 2 1"), undefined, "ORed with Mondays, it runs every Monday in February");
    });

    it("reads day of month and day of week as robfig does: OR unless one of them is *", () => {
        const spec = parseCron("0 0 1-31 * 1");
        assert.ok(spec.kind === "spec");
        assert.strictEqual(canonicalCron(spec), "0 0 * * *", "a full day-of-month range ORed with Mondays is every day");
        const starred = parseCron("0 0 * * 1");
        assert.ok(starred.kind === "spec");
        assert.strictEqual(canonicalCron(starred), "0 0 * * 1");
    });

    it("describes the schedule as a sentence with its time zone, descriptors too", () => {
        assert.strictEqual(describeSchedule("0 2 * * *", "Etc/UTC"), "At 02:00, every day (Etc/UTC)");
        assert.strictEqual(describeSchedule("@daily", "Europe/Berlin"), "At 00:00, every day (Europe/Berlin)");
        assert.strictEqual(describeSchedule("@every 90m", "Etc/UTC"), "Every 1h30m0s from the container's start (Etc/UTC)");
    });

    it("accepts exact IANA names and refuses wrong case, Local, offsets and unknown zones", () => {
        assert.strictEqual(timeZoneProblem("Europe/Berlin"), undefined);
        assert.strictEqual(timeZoneProblem("Etc/UTC"), undefined);
        assert.strictEqual(timeZoneProblem("UTC"), undefined);
        assert.match(timeZoneProblem("europe/berlin")!, /must be written "Europe\/Berlin"/);
        assert.ok(timeZoneProblem("Local"));
        assert.ok(timeZoneProblem("+02:00"));
        assert.ok(timeZoneProblem("Mars/Olympus_Mons"));
        assert.ok(timeZoneProblem("right/UTC"), "a host-only alias, missing from Go's own database");
    });

    it("measures how long keep archives span: 14 daily backups span 14 days, 4 weekly span 28", () => {
        assert.strictEqual(keepSpanDays("0 2 * * *", "Etc/UTC", 14), 14);
        assert.strictEqual(keepSpanDays("0 2 * * 0", "Etc/UTC", 4), 28);
        assert.strictEqual(keepSpanDays("@weekly", "Etc/UTC", 4), 28);
        assert.ok(Math.abs(keepSpanDays("0 */6 * * *", "Etc/UTC", 8) - 2) < 1e-9);
        assert.ok(Math.abs(keepSpanDays("@every 6h", "Etc/UTC", 8) - 2) < 1e-9);
    });

    it("sets the health limit to the longest gap between runs plus two hours", () => {
        assert.strictEqual(maxBackupAgeSeconds("0 2 * * *", "Etc/UTC"), 26 * 3600);
        assert.strictEqual(maxBackupAgeSeconds("*/15 * * * *", "Etc/UTC"), 15 * 60 + 2 * 3600);
    });

    it("writes durations as Go's time.Duration.String() does, the form the Docker provider reads back", () => {
        assert.deepStrictEqual([0, 5, 30, 60, 120, 3600, 3661].map(goDuration), ["0s", "5s", "30s", "1m0s", "2m0s", "1h0m0s", "1h1m1s"]);
    });

    describe("daylight saving, as robfig/cron runs it (checked against it in tests/engine)", () => {
        const from = new Date("2026-09-01T00:00:00Z");

        it("names the day a spring-forward gap skips a run, and the day a fall-back overlap runs it twice", () => {
            assert.deepStrictEqual(dstEffects("0 2 * * *", "Europe/Berlin", from), [
                { date: "2026-10-25", kind: "twice", times: ["02:00"] },
                { date: "2027-03-28", kind: "skipped", times: ["02:00"] },
            ]);
            const warning = dstWarning("0 2 * * *", "Europe/Berlin", dstEffects("0 2 * * *", "Europe/Berlin", from))!;
            assert.match(warning, /on 2027-03-28 the clocks skip 02:00: the backup at that time does not run that day/);
            assert.match(warning, /on 2026-10-25 02:00 happens twice: the backup runs twice/);
        });

        it("is silent for schedules outside the change, in UTC, and for @every", () => {
            assert.deepStrictEqual(dstEffects("0 4 * * *", "Europe/Berlin", from), []);
            assert.deepStrictEqual(dstEffects("0 2 * * *", "Etc/UTC", from), []);
            assert.deepStrictEqual(dstEffects("@every 1h", "Europe/Berlin", from), []);
            assert.strictEqual(dstWarning("0 4 * * *", "Europe/Berlin", []), undefined);
        });

        it("respects the day fields: a Sunday-only run is affected only when the change falls on a Sunday", () => {
            // US changes are on Sundays at 02:00; a Monday run never meets them.
            assert.deepStrictEqual(dstEffects("30 1 * * 1", "America/New_York", from), []);
            assert.deepStrictEqual(dstEffects("30 1 * * 0", "America/New_York", from), [{ date: "2026-11-01", kind: "twice", times: ["01:30"] }]);
        });
    });
});
