/** netdrop's settings: names, defaults, and how agent arguments, system properties and environment variables resolve them. */
package io.netdrop.config;
