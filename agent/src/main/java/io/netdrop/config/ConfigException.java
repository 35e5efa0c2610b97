package io.netdrop.config;

import io.netdrop.bpf.BpfException;

/**
 * Settings a strict caller refuses ({@link NetdropConfig#requireValid()}); the message names the
 * setting, the value and what is expected.
 */
public final class ConfigException extends BpfException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
