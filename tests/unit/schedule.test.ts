import * as assert from "assert";
import { cronProblem, describeSchedule, keepSpanDays, timeZoneProblem } from "../../components/schedule";

describe("schedule", () => {
    it("accepts the five-field expressions both GoBackup and Kubernetes take", () => {
        for (const cron of ["0 2 * * *", "*/15 * * * *", "0 3 * * MON-FRI", "0 0 1 JAN,JUL *", "5 4 * * 0"]) {
            assert.strictEqual(cronProblem(cron), undefined, cron);
        }
    });

    it("rejects seconds, shortcuts, out-of-range values and cron-parser-only extensions", () => {
        for (const cron of ["0 0 2 * * *", "@daily", "61 2 * * *", "0 2 L * *", "0 2 * * 5#3", "0 2 * *", "0 25 * * *"]) {
            assert.ok(cronProblem(cron), `${cron} should be rejected`);
        }
    });

    it("describes the schedule as a sentence with its time zone", () => {
        assert.strictEqual(describeSchedule("0 2 * * *", "Etc/UTC"), "At 02:00, every day (Etc/UTC)");
    });

    it("accepts IANA zone names and rejects offsets and unknown zones", () => {
        assert.strictEqual(timeZoneProblem("Europe/Berlin"), undefined);
        assert.strictEqual(timeZoneProblem("Etc/UTC"), undefined);
        assert.ok(timeZoneProblem("+02:00"));
        assert.ok(timeZoneProblem("Mars/Olympus_Mons"));
    });

    it("measures how long keep archives span: 14 daily backups span 14 days, 4 weekly span 28", () => {
        assert.strictEqual(keepSpanDays("0 2 * * *", "Etc/UTC", 14), 14);
        assert.strictEqual(keepSpanDays("0 2 * * 0", "Etc/UTC", 4), 28);
        assert.ok(Math.abs(keepSpanDays("0 */6 * * *", "Etc/UTC", 8) - 2) < 1e-9);
    });
});
