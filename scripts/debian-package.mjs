// What the test tools need from Debian's packages (redis-server, chromium, prometheus's promtool): present,
// installed now when this process can (root with apt-get), or else a sentence saying how to get it.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, rmSync, writeFileSync } from "node:fs"

const has = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0

/** Installs `name` while a policy-rc.d refuses every service start (unless the machine has one already). */
const withoutServices = (install) => {
  const policy = "/usr/sbin/policy-rc.d"
  if (existsSync(policy)) return install()
  writeFileSync(policy, "#!/bin/sh\n# Written by scripts/debian-package.mjs for one install: start no service.\nexit 101\n", {
    mode: 0o755
  })
  try {
    return install()
  } finally {
    rmSync(policy, { force: true })
  }
}

/**
 * Makes sure `command` is on the PATH, installing the Debian package `name` when it can (`purpose` says which
 * tests need it). Returns true when the command is there, false with `howTo` printed when it cannot be.
 * `noServices`: the package ships a daemon the tests do not want running (prometheus): install it without its
 * recommendations and without starting any service.
 */
export const ensureDebianPackage = ({ command, name, noServices = false, purpose }) => {
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
  const flags = noServices ? ["--no-install-recommends"] : []
  const aptInstall = () => execFileSync("apt-get", ["install", "-y", "-qq", ...flags, name], { stdio: "ignore" })
  const install = noServices ? () => withoutServices(aptInstall) : aptInstall
  try {
    install()
  } catch {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" })
    install()
  }
  return true
}
