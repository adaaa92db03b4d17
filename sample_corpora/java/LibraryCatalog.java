package org.example.library;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A small lending library: books, members and loans.
 *
 * <p>The catalog is not thread-safe; wrap it or confine it to one thread. Fines are computed in
 * cents to keep the arithmetic exact.
 */
public final class LibraryCatalog {

    public enum Genre { FICTION, SCIENCE, HISTORY, CHILDREN, POETRY }

    /** An immutable book record; the ISBN is the identity. */
    public record Book(String isbn, String title, String author, Genre genre, int year) {
        public Book {
            Objects.requireNonNull(isbn, "isbn");
            if (!isbn.matches("\\d{9}[\\dX]|\\d{13}")) {
                throw new IllegalArgumentException("malformed ISBN: " + isbn);
            }
        }
    }

    public record Member(long id, String name, String email) {}

    public record Loan(Book book, Member member, LocalDate borrowed, LocalDate due) {
        public long daysOverdue(LocalDate today) {
            return Math.max(0, ChronoUnit.DAYS.between(due, today));
        }
    }

    public static final int LOAN_DAYS = 21;
    public static final int FINE_CENTS_PER_DAY = 25;
    public static final int MAX_FINE_CENTS = 1_500;
    private static final int MAX_LOANS_PER_MEMBER = 5;

    private final Map<String, Book> booksByIsbn = new HashMap<>();
    private final Map<String, Integer> copiesAvailable = new HashMap<>();
    private final Map<Long, Member> members = new HashMap<>();
    private final List<Loan> activeLoans = new ArrayList<>();

    public void addBook(Book book, int copies) {
        booksByIsbn.putIfAbsent(book.isbn(), book);
        copiesAvailable.merge(book.isbn(), copies, Integer::sum);
    }

    public Member register(String name, String email) {
        long id = members.size() + 1L;
        Member member = new Member(id, name.strip(), email.toLowerCase(Locale.ROOT));
        members.put(id, member);
        return member;
    }

    public Optional<Book> findByIsbn(String isbn) {
        return Optional.ofNullable(booksByIsbn.get(isbn));
    }

    public List<Book> search(String query) {
        String needle = query.toLowerCase(Locale.ROOT);
        return booksByIsbn.values().stream()
                .filter(b -> b.title().toLowerCase(Locale.ROOT).contains(needle)
                        || b.author().toLowerCase(Locale.ROOT).contains(needle))
                .sorted(Comparator.comparing(Book::year).reversed().thenComparing(Book::title))
                .collect(Collectors.toList());
    }

    public Loan borrow(long memberId, String isbn, LocalDate today) {
        Member member = Optional.ofNullable(members.get(memberId))
                .orElseThrow(() -> new IllegalArgumentException("unknown member " + memberId));
        Book book = findByIsbn(isbn)
                .orElseThrow(() -> new IllegalArgumentException("unknown ISBN " + isbn));

        long current = activeLoans.stream().filter(l -> l.member().equals(member)).count();
        if (current >= MAX_LOANS_PER_MEMBER) {
            throw new IllegalStateException(member.name() + " already has " + current + " loans");
        }
        int copies = copiesAvailable.getOrDefault(isbn, 0);
        if (copies == 0) {
            throw new IllegalStateException("no copy of \"" + book.title() + "\" is available");
        }
        copiesAvailable.put(isbn, copies - 1);
        Loan loan = new Loan(book, member, today, today.plusDays(LOAN_DAYS));
        activeLoans.add(loan);
        return loan;
    }

    /** Returns the fine owed in cents (capped), and puts the copy back on the shelf. */
    public int giveBack(long memberId, String isbn, LocalDate today) {
        for (var it = activeLoans.iterator(); it.hasNext(); ) {
            Loan loan = it.next();
            if (loan.member().id() == memberId && loan.book().isbn().equals(isbn)) {
                it.remove();
                copiesAvailable.merge(isbn, 1, Integer::sum);
                long fine = loan.daysOverdue(today) * FINE_CENTS_PER_DAY;
                return (int) Math.min(fine, MAX_FINE_CENTS);
            }
        }
        throw new IllegalArgumentException("no such loan: member " + memberId + ", ISBN " + isbn);
    }

    public List<Loan> overdue(LocalDate today) {
        return activeLoans.stream()
                .filter(l -> l.daysOverdue(today) > 0)
                .sorted(Comparator.comparingLong((Loan l) -> l.daysOverdue(today)).reversed())
                .toList();
    }

    public Map<Genre, Long> countByGenre() {
        Map<Genre, Long> counts = new EnumMap<>(Genre.class);
        for (Book b : booksByIsbn.values()) {
            counts.merge(b.genre(), 1L, Long::sum);
        }
        return Collections.unmodifiableMap(counts);
    }

    public static void main(String[] args) {
        LibraryCatalog catalog = new LibraryCatalog();
        catalog.addBook(new Book("9780000000011", "Les Misérables", "Victor Hugo", Genre.FICTION, 1862), 2);
        catalog.addBook(new Book("9780000000028", "Der Zauberberg", "Thomas Mann", Genre.FICTION, 1924), 1);
        catalog.addBook(new Book("9780000000035", "A Brief Tour of Entropy", "R. Ortiz", Genre.SCIENCE, 2019), 3);
        catalog.addBook(new Book("9780000000042", "诗经选读", "Anonymous", Genre.POETRY, 2001), 1);

        Member ana = catalog.register("  Ana Lúcia  ", "Ana.Lucia@Example.org");
        LocalDate start = LocalDate.of(2024, 3, 1);
        catalog.borrow(ana.id(), "9780000000028", start);
        catalog.borrow(ana.id(), "9780000000042", start.plusDays(2));

        LocalDate later = start.plusDays(30);
        for (Loan loan : catalog.overdue(later)) {
            System.out.printf("%-22s %3d days overdue%n", loan.book().title(), loan.daysOverdue(later));
        }
        int fine = catalog.giveBack(ana.id(), "9780000000028", later);
        System.out.printf("fine: %d.%02d €%n", fine / 100, fine % 100);
        System.out.println(catalog.countByGenre());
    }
}
