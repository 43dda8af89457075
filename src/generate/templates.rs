//! Sentence templates of descriptions, filled in by `text.rs` as each sentence is written.
//!
//! Slots: `{event}` the event type, `{an_event}` with its article, `{issue}`, `{goal}`,
//! `{practice}`, `{partner}`, `{people}` from the theme, `{donor}`, `{region}`, `{unit}` the
//! organizer ("the Strategic Police Matters Unit"), `{place}` ("in Sarajevo" or "online"),
//! `{where}` ("eleven countries" or "across Central Asia"), `{count}` the attendance and
//! `{dates}` ("23-24 November 2009"). A capitalized slot name capitalizes the value.

/// First sentences: what the event was for.
pub static OPENINGS: &[&str] = &[
    "The aim of the {event} was to {goal}, as well as to {goal}.",
    "The {event} brought together {people} from {where} to {goal}.",
    "Organized by {unit}, the {event} focused on {issue} and {practice}.",
    "{Unit} held {an_event} {place} to {goal}.",
    "The purpose of the {event} was to {goal} and to {goal}.",
    "This {event} was designed to help participants {goal}.",
    "{People} from {where} gathered {place} for {an_event} on {issue}.",
    "The {event} aimed to {goal} and to raise awareness of {issue}.",
    "Some {count} participants attended {an_event} {place} dedicated to {issue}.",
    "At the request of national authorities, {unit} organized {an_event} to {goal}.",
];

/// Background sentences: why the subject matters.
pub static CONTEXT: &[&str] = &[
    "Addressing {issue} remains a serious challenge for {region}.",
    "Responses to {issue} require co-operation across borders and between agencies.",
    "In recent years, the OSCE participating States have paid growing attention to {issue} and {issue}.",
    "National authorities have made progress in tackling {issue}, but gaps remain in {practice}.",
    "Effective responses to {issue} require close co-operation between {people} and {people}.",
    "Concerns about {issue} have grown across {region} over the past years.",
    "The OSCE has long recognized that {issue} can undermine security and stability.",
    "Several participating States have requested OSCE support in tackling {issue}.",
    "Reports from OSCE field operations point to {issue} as a growing concern in {region}.",
    "{Region} faces problems related to {issue} that are not country-specific but regional in nature.",
    "According to experts, {issue} affects several countries of {region} at the same time.",
    "Left unaddressed, {issue} can erode public trust in State institutions.",
    "The OSCE Ministerial Council has repeatedly called on participating States to address {issue}.",
];

/// Body sentences: what happened at the event.
pub static BODY: &[&str] = &[
    "Participants discussed {issue}, {issue} and {issue}.",
    "The sessions covered {practice} and {practice}, combining expert presentations with practical exercises.",
    "Experts from {partner} and {partner} shared good practices in {practice}.",
    "A practical exercise on {practice} allowed participants to apply the knowledge gained during the {event}.",
    "The programme included case studies on {issue} drawn from {region}.",
    "Speakers highlighted the importance of {practice} in addressing {issue}.",
    "Working groups examined national approaches to {issue} and identified needs for further assistance.",
    "Representatives of {partner} presented recent trends in {issue}.",
    "Particular attention was paid to gender equality and to human rights in responses to {issue}.",
    "Participants also exchanged views on {practice} and on ways to improve information sharing among {people}.",
    "The discussions showed that progress against {issue} depends on {practice}.",
    "{People} from {where} described the challenges they face in their daily work.",
    "Each delegation presented its national experience with {practice}, followed by a moderated discussion.",
    "In the afternoon session, the discussion turned to {issue} and the role of {partner}.",
    "The trainers used interactive methods, including role plays and group work on {practice}.",
    "Participants agreed that {practice} and {practice} are essential to prevent {issue}.",
    "A panel of {people} discussed lessons learned in addressing {issue}.",
    "Experts of {partner} contributed their expertise on {practice}.",
    "Case studies from {region} illustrated how {practice} can help to counter {issue}.",
    "{People} and {people} worked together in mixed groups to design responses to {issue}.",
    "Trainers from {partner} guided participants through {practice}.",
    "The {event} offered a platform for {people} to exchange experience on {issue}.",
    "Several presentations focused on {practice}, drawing on the experience of {partner}.",
    "The second part of the programme was devoted to {practice}.",
    "Participants identified {issue} as a priority for future co-operation.",
    "Questions of {practice} and of co-ordination between national agencies were discussed at length.",
    "Participants were introduced to international standards on {practice}.",
    "Simulation exercises helped {people} to practise {practice} in realistic conditions.",
    "Representatives of the host country presented national efforts to address {issue}.",
    "The debate on {issue} revealed differences in national approaches but a shared interest in {practice}.",
    "Guest speakers from {partner} outlined the international legal framework relevant to {issue}.",
];

/// Last sentences that need no date.
pub static CLOSINGS: &[&str] = &[
    "The {event} concluded with recommendations on {practice} and {practice}.",
    "Participants agreed to continue regional co-operation and to maintain the contacts established during the {event}.",
    "The outcomes of the {event} will inform future OSCE assistance to participating States in this field.",
    "The {event} is part of a wider OSCE project to {goal}.",
    "It was funded through extra-budgetary contributions from {donor} and {donor}.",
    "A report summarizing the main conclusions will be shared with all participants.",
];

/// Last sentences that state the dates.
pub static DATED_CLOSINGS: &[&str] = &[
    "{Unit} conducted the {event} on {dates} {place}.",
    "The {event} took place on {dates} {place} and was attended by {count} participants.",
    "In response to these challenges, {unit} organized the {event} on {dates} {place}.",
];
