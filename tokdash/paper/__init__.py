"""The paper's findings (Dagan, Synnaeve & Rozière 2024) measured on a corpus."""
