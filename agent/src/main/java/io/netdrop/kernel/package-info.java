/** Facts about the running kernel that netdrop reads from /proc, tracefs and BTF-derived inputs. */
package io.netdrop.kernel;
