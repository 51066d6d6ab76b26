import * as assert from "assert";
import * as path from "path";
import { settle, useMocks } from "./helpers/mocks";

describe("importing the library", () => {
    const resources = useMocks();

    it("creates no resource", async () => {
        const entry = path.resolve(__dirname, "../../components/index.ts");
        for (const key of Object.keys(require.cache)) if (key.includes(`${path.sep}components${path.sep}`)) delete require.cache[key];
        const library = await import(entry);
        await settle();
        assert.strictEqual(typeof library.SqlServerBackup, "function");
        assert.deepStrictEqual(resources, []);
    });
});
