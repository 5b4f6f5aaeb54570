module.exports.hello = (event, context, callback) => {
if (event.company != "NewStore") {
return callback(
"You're working for the wrong company",
null
);
}
return callback(null, "You made a good choice!");
};
