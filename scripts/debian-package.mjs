// What the test tools need from Debian's packages (redis-server, chromium): present, installed now when this
// process can (root with apt-get), or else a sentence saying how to get it.
import { execFileSync, spawnSync } from "node:child_process"

const has = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0

/**
 * Makes sure `command` is on the PATH, installing the Debian package `name` when it can (`purpose` says which
 * tests need it). Returns true when the command is there, false with `howTo` printed when it cannot be.
 */
export const ensureDebianPackage = ({ command, name, purpose }) => {
  if (has(command)) return true
  const root = typeof process.getuid === "function" && process.getuid() === 0
  if (!root || !has("apt-get")) {
    console.error(
      `${purpose} ${command}: install it (Debian/Ubuntu: apt-get install ${name}; macOS: brew install ${name}) ` +
        "and run the tests again."
    )
    return false
  }
  console.error(`Installing ${name} (Debian package): ${purpose.toLowerCase()} it…`)
  const install = () => execFileSync("apt-get", ["install", "-y", "-qq", name], { stdio: "ignore" })
  try {
    install()
  } catch {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" })
    install()
  }
  return true
}
