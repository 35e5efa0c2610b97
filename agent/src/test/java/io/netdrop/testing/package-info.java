/** Test utilities: running a JVM with the real agent jar in a child process, and reading JSON it prints. */
package io.netdrop.testing;
