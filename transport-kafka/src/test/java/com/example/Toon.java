package com.example;

/**
 * A payload outside Twelvefold's packages, for the interoperability tests: its default CloudEvents
 * type is {@code com.example.toon}.
 *
 * @param name the toon's name
 */
public record Toon(String name) {
}
