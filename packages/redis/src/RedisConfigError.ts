/**
 * A Redis setting that must not start: names the variable and the fix, never the URL's password.
 *
 * @since 0.2.0
 */
import { SettingError } from "@liveness/core"

export class RedisConfigError extends SettingError.tagged("RedisConfigError") {}
